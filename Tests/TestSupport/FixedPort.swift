import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A free TCP port on 127.0.0.1 for a server a test starts later by number (Prosody, `listen --port`),
/// chosen *below* the kernel's ephemeral range: a port the kernel hands out for "port 0" (another
/// server's, or a live page's) can then never be the same number in between.
public func freeFixedPort() throws -> Int {
    let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
        .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) } ?? []
    let ephemeralStart = range.first ?? 32768
    let low = 10_000, high = max(low + 1000, min(ephemeralStart, 65536))
    for _ in 0..<500 {
        let port = Int.random(in: low..<high)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { continue }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        close(fd)
        if bound == 0 { return port }
    }
    throw FixedPortError()
}

public struct FixedPortError: Error, CustomStringConvertible {
    public var description: String { "no free port below the ephemeral range after 500 tries" }
}
