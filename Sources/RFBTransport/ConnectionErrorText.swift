#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOSSL

/// Connection errors in words a person understands, for "session ended: …" lines.
public enum ConnectionErrorText {
    public static func describe(_ error: any Error) -> String {
        if let ssl = error as? NIOSSLError, case .uncleanShutdown = ssl {
            return "the connection was cut without a goodbye (the other side was killed or the network failed)"
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNRESET, EPIPE: return "the connection was reset by the other side"
            case ETIMEDOUT: return "the other side stopped answering (network lost)"
            case EHOSTUNREACH, ENETUNREACH: return "the network is unreachable"
            default: break
            }
        }
        return "connection error: \(error)"
    }
}
