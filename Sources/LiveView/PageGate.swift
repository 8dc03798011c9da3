/// Who may use the local page: the rules of the page server, pure (headers in, decision out).
///
/// - The URL's one-time token (128 bits) is exchanged, once, for a session cookie (HttpOnly,
///   SameSite=Strict) and a redirect to the clean URL; every later request needs the cookie.
/// - `Host` must be `127.0.0.1:PORT` or `localhost:PORT` (no DNS rebinding).
/// - The WebSocket upgrade also needs `Origin` to be the page's own (`http://` + that Host).
public struct PageGate: Sendable {
    public let port: Int
    public let token: String
    let cookieValue: String
    public private(set) var tokenUsed = false

    public static let cookieName = "ra_page"

    /// `token` and `cookieValue`: random, 32 hex digits each (``PageGate/randomHex()``).
    public init(port: Int, token: String = PageGate.randomHex(), cookieValue: String = PageGate.randomHex()) {
        self.port = port
        self.token = token
        self.cookieValue = cookieValue
    }

    /// 128 random bits as 32 lowercase hex digits (the system's cryptographic generator).
    public static func randomHex() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }.joined()
    }

    /// The URL to open (with the token).
    public var url: String { "http://127.0.0.1:\(port)/?token=\(token)" }

    public enum Decision: Equatable, Sendable {
        /// Serve this asset path ("/", "/page.css", ...).
        case serve(String)
        /// The token was good: set the cookie and redirect to "/".
        case exchange(setCookie: String)
        /// Upgrade to the WebSocket feed.
        case upgrade
        case refuse(status: Int, reason: String)
    }

    /// Decides on one request. `headers`: name/value pairs as received (names in any case).
    public mutating func decide(method: String, uri: String, headers: [(String, String)], upgrade: Bool = false) -> Decision {
        func values(_ name: String) -> [String] { headers.filter { $0.0.lowercased() == name }.map { $0.1 } }
        let hosts = values("host")
        guard hosts.count == 1, let host = hosts.first, allowedHosts.contains(host) else {
            return .refuse(status: 403, reason: "this page answers only to 127.0.0.1:\(port) or localhost:\(port)")
        }
        guard method == "GET" else { return .refuse(status: 405, reason: "only GET") }
        let (path, query) = Self.split(uri)
        if let given = Self.queryValue("token", in: query) {
            guard !upgrade, path == "/", !tokenUsed, Self.constantTimeEqual(given, token) else {
                return .refuse(status: 403, reason: "this link was already used or is wrong; start the command again for a new one")
            }
            tokenUsed = true
            return .exchange(setCookie: "\(Self.cookieName)=\(cookieValue); Path=/; HttpOnly; SameSite=Strict")
        }
        guard hasCookie(values("cookie")) else {
            return .refuse(status: 403, reason: "open the link the command printed (with its token)")
        }
        if upgrade {
            let origins = values("origin")
            guard path == "/feed", origins.count == 1, origins.first == "http://" + host else {
                return .refuse(status: 403, reason: "the WebSocket must come from this page")
            }
            return .upgrade
        }
        return .serve(path)
    }

    var allowedHosts: [String] { ["127.0.0.1:\(port)", "localhost:\(port)"] }

    func hasCookie(_ headers: [String]) -> Bool {
        for header in headers {
            for part in header.split(separator: ";") {
                let pair = String(part).trimmed(" \t")
                guard let eq = pair.firstIndex(of: "=") else { continue }
                if pair[..<eq] == Self.cookieName, Self.constantTimeEqual(String(pair[pair.index(after: eq)...]), cookieValue) {
                    return true
                }
            }
        }
        return false
    }

    static func split(_ uri: String) -> (path: String, query: String) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, "") }
        return (String(uri[..<mark]), String(uri[uri.index(after: mark)...]))
    }

    static func queryValue(_ name: String, in query: String) -> String? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.first == Substring(name) { return parts.count == 2 ? String(parts[1]) : "" }
        }
        return nil
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

extension String {
    fileprivate func trimmed(_ set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}

/// A token bucket for what the page sends: `burst` messages at once, `perSecond` on average. Pure
/// (the caller passes the time).
public struct RateLimit: Sendable {
    public let perSecond: Double
    public let burst: Double
    private var tokens: Double
    private var last: Double?

    public init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = burst
        tokens = burst
    }

    /// True when one more message at `now` (seconds) is within the limit.
    public mutating func allow(at now: Double) -> Bool {
        if let last { tokens = min(burst, tokens + (now - last) * perSecond) }
        last = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
