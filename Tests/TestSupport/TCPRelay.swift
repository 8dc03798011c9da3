import Foundation
import Synchronization

/// A TCP relay on 127.0.0.1 between a client and `targetPort`, one connection at a time, that can be
/// cut abruptly: both sockets are reset (SO_LINGER 0), so neither side gets a FIN or a TLS close_notify.
public final class TCPRelay: Sendable {
    public let port: Int
    private let listener: Int32
    private final class Sockets: Sendable {
        let all = Mutex<[Int32]>([])
    }
    private let sockets = Sockets()

    /// Relays to 127.0.0.1:`targetPort`, connecting from `source` (another loopback address makes the
    /// relayed client look like another machine to the target).
    public init(targetPort: Int, from source: String = "127.0.0.1") throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 4) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard ok else { throw RawSocket.Failure(description: "relay listen: \(errno)") }
        port = Int(UInt16(bigEndian: address.sin_port))
        let sockets = sockets
        Thread.detachNewThread {
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                guard let upstream = Self.connectTo(targetPort, from: source) else { close(client); continue }
                sockets.all.withLock { $0 += [client, upstream] }
                for (from, to) in [(client, upstream), (upstream, client)] {
                    Thread.detachNewThread { Self.pump(from: from, to: to) }
                }
            }
        }
    }

    /// Resets every relayed connection (and stops accepting new ones).
    public func cut() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        let all = sockets.all.withLock { s -> [Int32] in defer { s = [] }; return s }
        for fd in all {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            // Wakes the relay thread blocked reading it (nothing goes on the wire), so that the close
            // below drops the last reference and sends the reset.
            shutdown(fd, Int32(SHUT_RD))
        }
        usleep(50_000)
        for fd in all {
            close(fd)
        }
    }

    private static func connectTo(_ port: Int, from source: String) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if source != "127.0.0.1" {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound != 0 { close(fd); return nil }
        }
        if connectLoopback(fd, port: port) != 0 { close(fd); return nil }
        return fd
    }

    private static func pump(from: Int32, to: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(from, &buffer, buffer.count, 0)
            guard n > 0 else { return }
            var sent = 0
            while sent < n {
                let m = buffer[sent..<n].withUnsafeBytes { send(to, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard m > 0 else { return }
                sent += m
            }
        }
    }
}
