import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A TCP relay on 127.0.0.1 that forwards every connection it accepts to 127.0.0.1:`targetPort` and
/// counts the bytes in each direction: the benchmark's "bytes on the wire", the same for every server.
/// Blocking sockets, one thread per direction; nothing is buffered beyond one read.
final class CountingRelay: Sendable {
    let port: Int
    let targetPort: Int
    private let listener: Int32
    private let serverToClient = Atomic<Int>(0)
    private let clientToServer = Atomic<Int>(0)
    private let sockets = Mutex<[Int32]>([])
    private let closed = Atomic<Bool>(false)

    struct Counts: Sendable, Equatable {
        var serverToClient: Int
        var clientToServer: Int
        static func - (a: Counts, b: Counts) -> Counts {
            Counts(serverToClient: a.serverToClient - b.serverToClient, clientToServer: a.clientToServer - b.clientToServer)
        }
    }

    init(targetPort: Int) throws {
        self.targetPort = targetPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("relay: socket: \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { close(fd); throw BenchError("relay: bind/listen: \(errno)") }
        port = Self.localPort(fd)
        listener = fd
    }

    var counts: Counts {
        Counts(serverToClient: serverToClient.load(ordering: .relaxed), clientToServer: clientToServer.load(ordering: .relaxed))
    }

    func start() {
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "relay accept"
        thread.start()
    }

    /// Closes the listener and every relayed connection.
    func stop() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in sockets.withLock({ $0 }) { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        while !closed.load(ordering: .relaxed) {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            guard let server = Self.connectLoopback(port: targetPort) else { close(client); continue }
            for fd in [client, server] {
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            sockets.withLock { $0 += [client, server] }
            pump(from: server, to: client, downstream: true)
            pump(from: client, to: server, downstream: false)
        }
    }

    /// Forwards `source` to `sink`; `downstream` counts server-to-client bytes.
    private func pump(from source: Int32, to sink: Int32, downstream: Bool) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            loop: while true {
                let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                var sent = 0
                while sent < n {
                    let m = buffer.withUnsafeBytes { send(sink, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                    if m < 0 && errno == EINTR { continue }
                    if m <= 0 { break loop }
                    sent += m
                }
                if downstream {
                    serverToClient.wrappingAdd(n, ordering: .relaxed)
                } else {
                    clientToServer.wrappingAdd(n, ordering: .relaxed)
                }
            }
            shutdown(sink, Int32(SHUT_WR))
            shutdown(source, Int32(SHUT_RD))
        }
        thread.name = downstream ? "relay s->c" : "relay c->s"
        thread.start()
    }

    static func loopback(port: Int) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        a.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        return a
    }

    static func localPort(_ fd: Int32) -> Int {
        var a = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: a.sin_port))
    }

    /// A connected socket to 127.0.0.1:`port`, or nil.
    static func connectLoopback(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = loopback(port: port)
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if ok != 0 { close(fd); return nil }
        return fd
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(errno)") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw BenchError("bind: \(errno)") }
        return localPort(fd)
    }
}
