import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client to 127.0.0.1 for the soak's hostile peers: from any loopback source address,
/// with a receive timeout; closed by its own descriptor only.
final class BenchSocket: @unchecked Sendable {
    struct Closed: Error {}
    private(set) var fd: Int32

    init(port: Int, from source: String, receiveTimeoutSeconds: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(errno)") }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = UInt16(port).bigEndian
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafePointer(to: &local) { l in
            withUnsafePointer(to: &remote) { r in
                l.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } == 0
                    && r.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } == 0
            }
        }
        guard ok else { let e = errno; close(); throw BenchError("connect from \(source): \(String(cString: strerror(e)))") }
    }

    deinit { close() }

    /// Hands the descriptor over (to NIO); this object no longer closes it.
    func release() -> Int32 {
        defer { fd = -1 }
        return fd
    }

    func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Closed() }
            sent += n
        }
    }

    /// Exactly `count` bytes; `Closed` on end of stream, reset or timeout.
    func read(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Closed() }
            got += n
        }
        return out
    }

    /// Reads until the peer closes: true when it did (end of stream or reset), false on timeout.
    func waitForClose() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 || (n < 0 && errno == ECONNRESET) { return true }
            if n < 0 { return false }
        }
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
    }
}
