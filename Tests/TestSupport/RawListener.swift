#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP listener on 127.0.0.1 (any free port), for playing a fake agent to the real viewer.
public final class RawListener: @unchecked Sendable {
    public let port: Int
    private var fd: Int32

    public init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawSocket.Failure(description: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listener = fd
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 4) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard ok else { let e = errno; _ = Glibc.close(fd); throw RawSocket.Failure(description: "listen: \(e)") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close() }

    /// The next connection; waits at most `timeoutSeconds`.
    public func accept(timeoutSeconds: Int = 10) throws -> RawSocket {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeoutSeconds * 1000)) == 1 else {
            throw RawSocket.Failure(description: "no connection within \(timeoutSeconds) s")
        }
        let client = Glibc.accept(fd, nil, nil)
        guard client >= 0 else { throw RawSocket.Failure(description: "accept: \(errno)") }
        return RawSocket(adopting: client)
    }

    public func close() {
        if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
    }
}
