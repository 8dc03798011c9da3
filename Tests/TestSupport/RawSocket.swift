#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client on 127.0.0.1 with a 10 s receive timeout, for byte-exact protocol checks and
/// hostile peers: it may connect from another loopback address (127.0.0.2, … are all this machine),
/// give up on sends that would wait, and close with a reset instead of a goodbye.
public final class RawSocket: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible { public let description: String }
    private var fd: Int32

    /// Connects to 127.0.0.1:`port` from `source` (any port).
    public init(port: Int, from source: String = "127.0.0.1", receiveTimeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if source != "127.0.0.1" {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { let e = errno; close(); throw Failure(description: "bind \(source): \(e)") }
        }
        guard connectLoopback(fd, port: port) == 0 else { let e = errno; close(); throw Failure(description: "connect: \(e)") }
    }

    /// Takes over a connected socket (e.g. one from `RawListener.accept()`).
    public init(adopting fd: Int32, receiveTimeoutSeconds: Int = 10) {
        self.fd = fd
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    public func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: \(errno)") }
            sent += n
        }
    }

    /// Sends what fits without waiting; returns how many bytes went (0 when the peer's window is full).
    public func writeWithoutWaiting(_ bytes: [UInt8]) throws -> Int {
        let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
            throw Failure(description: "send: \(errno)")
        }
        return n
    }

    /// Exactly `count` bytes, or an error on timeout or close.
    public func read(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else {
                throw Failure(description: n == 0 ? "connection closed after \(got) of \(count) bytes"
                                                  : "no data within the timeout (\(got) of \(count) bytes, errno \(errno))")
            }
            got += n
        }
        return out
    }

    /// What arrives next (at most `limit` bytes); empty when the other side closed; an error on timeout.
    public func readSome(limit: Int = 65_536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: limit)
        let n = recv(fd, &buffer, buffer.count, 0)
        if n == 0 || (n < 0 && errno == ECONNRESET) { return [] }
        guard n > 0 else { throw Failure(description: "no data within the timeout (errno \(errno))") }
        return Array(buffer[0..<n])
    }

    /// Everything until the other side closes (a reset counts as a close); an error on timeout.
    public func readToEnd() throws -> [UInt8] {
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 || (n < 0 && errno == ECONNRESET) { return out }
            guard n > 0 else { throw Failure(description: "no end within the timeout (\(out.count) bytes, errno \(errno))") }
            out += buffer[0..<n]
        }
    }

    /// Closes with a reset (SO_LINGER 0): no FIN, no TLS close_notify, as a crash or a cut would.
    public func reset() {
        guard fd >= 0 else { return }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    public func close() {
        if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
    }

    /// Hands the socket over (e.g. to NIO for TLS after a VeNCrypt negotiation spelled out here): this
    /// object no longer reads, writes or closes it.
    public func release() -> Int32 {
        let taken = fd
        fd = -1
        return taken
    }
}

/// `connect(2)` of socket `fd` to 127.0.0.1:`port`; 0 on success, -1 with `errno` set otherwise.
public func connectLoopback(_ fd: Int32, port: Int) -> Int32 {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}
