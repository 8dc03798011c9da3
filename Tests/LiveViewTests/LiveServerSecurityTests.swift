#if canImport(Glibc)
import Glibc
#endif
import LiveView
import NIOPosix
import TestSupport
import XCTest

/// The page server's rules over real sockets on 127.0.0.1: refused without the token, with a foreign
/// Host, with a foreign Origin; the cookie's flags, the headers, and the bounds on what a page sends.
final class LiveServerSecurityTests: XCTestCase {
    var group: MultiThreadedEventLoopGroup!
    var server: LiveServer!

    override func setUp() async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        server = try await LiveServer.start(group: group, assets: .page)
    }

    override func tearDown() async throws {
        await server.close()
        try await group.shutdownGracefully()
    }

    var host: String { "127.0.0.1:\(server.port)" }
    var token: String { String(server.url.split(separator: "=").last ?? "") }

    /// The cookie from exchanging the token.
    func login() throws -> String {
        let response = try WebSocketClient.request(port: server.port, path: "/?token=\(token)", headers: [("Host", host)])
        XCTAssertEqual(response.status, 303)
        XCTAssertEqual(response.header("location"), ["/"])
        let setCookie = try XCTUnwrap(response.header("set-cookie").first)
        XCTAssertTrue(setCookie.contains("HttpOnly"), setCookie)
        XCTAssertTrue(setCookie.contains("SameSite=Strict"), setCookie)
        return String(try XCTUnwrap(setCookie.split(separator: ";").first))
    }

    func testBoundToLoopbackOnlyAtARandomPort() throws {
        XCTAssertTrue(server.url.hasPrefix("http://127.0.0.1:\(server.port)/?token="))
        XCTAssertEqual(token.count, 32)
        // Not reachable on another address of this machine (127.0.0.2 is loopback too, but not bound).
        let other = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(other) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(server.port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.2")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(other, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(result, -1, "the page server answers on 127.0.0.2: it is not bound to 127.0.0.1 only")
    }

    func testRefusedWithoutTheToken() throws {
        for path in ["/", "/page.js", "/page.css", "/?token=", "/?token=00000000000000000000000000000000"] {
            let response = try WebSocketClient.request(port: server.port, path: path, headers: [("Host", host)])
            XCTAssertEqual(response.status, 403, path)
            XCTAssertFalse(response.body.contains("<canvas"), path)
        }
        let client = try WebSocketClient(port: server.port)
        let upgrade = try client.upgrade(path: "/feed", host: host, extra: [("Origin", "http://\(host)")])
        XCTAssertEqual(upgrade.status, 403, "WebSocket without the cookie")
    }

    func testTokenWorksOnceThenTheCookieServesThePageWithItsHeaders() throws {
        let cookie = try login()
        let again = try WebSocketClient.request(port: server.port, path: "/?token=\(token)", headers: [("Host", host)])
        XCTAssertEqual(again.status, 403, "the token is one-time")
        let page = try WebSocketClient.request(port: server.port, path: "/", headers: [("Host", host), ("Cookie", cookie)])
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.body.contains("<canvas id=\"screen\">"))
        XCTAssertEqual(page.header("content-security-policy"), ["default-src 'self'; frame-ancestors 'none'"])
        XCTAssertEqual(page.header("x-content-type-options"), ["nosniff"])
        XCTAssertTrue(page.headers.allSatisfy { !$0.0.hasPrefix("access-control-") }, "no CORS headers: \(page.headers)")
        let script = try WebSocketClient.request(port: server.port, path: "/page.js", headers: [("Host", host), ("Cookie", cookie)])
        XCTAssertEqual(script.status, 200)
        XCTAssertEqual(script.header("content-type"), ["text/javascript; charset=utf-8"])
        let missing = try WebSocketClient.request(port: server.port, path: "/etc/passwd", headers: [("Host", host), ("Cookie", cookie)])
        XCTAssertEqual(missing.status, 404)
        let post = try WebSocketClient.request(port: server.port, path: "/", headers: [("Host", host), ("Cookie", cookie)], method: "POST")
        XCTAssertEqual(post.status, 405)
    }

    func testRefusedWithAForeignHost() throws {
        // DNS rebinding: a page of evil.example whose name now points at 127.0.0.1.
        let foreign = "evil.example:\(server.port)"
        let withToken = try WebSocketClient.request(port: server.port, path: "/?token=\(token)", headers: [("Host", foreign)])
        XCTAssertEqual(withToken.status, 403)
        let cookie = try login()   // the token was not used up by the refused request
        let page = try WebSocketClient.request(port: server.port, path: "/", headers: [("Host", foreign), ("Cookie", cookie)])
        XCTAssertEqual(page.status, 403)
        let client = try WebSocketClient(port: server.port)
        let upgrade = try client.upgrade(path: "/feed", host: foreign, extra: [("Cookie", cookie), ("Origin", "http://\(foreign)")])
        XCTAssertEqual(upgrade.status, 403)
        let local = try WebSocketClient.request(port: server.port, path: "/", headers: [("Host", "localhost:\(server.port)"), ("Cookie", cookie)])
        XCTAssertEqual(local.status, 200, "localhost:PORT is the page too")
    }

    func testWebSocketRefusedWithAForeignOriginAndOpenedWithItsOwn() throws {
        let cookie = try login()
        for origin in ["http://evil.example", "http://127.0.0.1:1", "null"] {
            let client = try WebSocketClient(port: server.port)
            let upgrade = try client.upgrade(path: "/feed", host: host, extra: [("Cookie", cookie), ("Origin", origin)])
            XCTAssertEqual(upgrade.status, 403, origin)
        }
        let client = try WebSocketClient(port: server.port)
        let upgrade = try client.upgrade(path: "/feed", host: host, extra: [("Cookie", cookie), ("Origin", "http://\(host)")])
        XCTAssertEqual(upgrade.status, 101)
        XCTAssertEqual(upgrade.header("content-security-policy"), ["default-src 'self'; frame-ancestors 'none'"])
        XCTAssertEqual(server.pages, 1)
    }

    func testOversizedAndTooFrequentMessagesCloseThePage() throws {
        let cookie = try login()
        let big = try WebSocketClient(port: server.port)
        XCTAssertEqual(try big.upgrade(path: "/feed", host: host, extra: [("Cookie", cookie), ("Origin", "http://\(host)")]).status, 101)
        try big.sendText(#"{"t":"chat","text":""# + String(repeating: "x", count: 20_000) + #""}"#)
        XCTAssertEqual(try closeCode(big), 1009, "a message over 16 KiB")

        let fast = try WebSocketClient(port: server.port)
        XCTAssertEqual(try fast.upgrade(path: "/feed", host: host, extra: [("Cookie", cookie), ("Origin", "http://\(host)")]).status, 101)
        for _ in 0..<60 { try? fast.sendText(#"{"t":"snapshot"}"#) }
        XCTAssertEqual(try closeCode(fast), 1008, "60 messages at once (burst 40)")

        let binary = try WebSocketClient(port: server.port)
        XCTAssertEqual(try binary.upgrade(path: "/feed", host: host, extra: [("Cookie", cookie), ("Origin", "http://\(host)")]).status, 101)
        try binary.sendFrame(opcode: 2, [1, 2, 3])
        XCTAssertEqual(try closeCode(binary), 1003)
    }

    /// Reads until the server's close frame; its code.
    private func closeCode(_ client: WebSocketClient) throws -> Int {
        while true {
            if case .close(let code) = try client.receive() { return code }
        }
    }

    /// A local process that opens connections and sends nothing is closed after the request limit, so
    /// it cannot keep the page's places; a page whose WebSocket is open stays past it.
    func testSilentConnectionsAreClosedAfterTheRequestTimeoutButPagesStay() throws {
        let cookie = try login()
        let page = try WebSocketClient(port: server.port, timeoutSeconds: 30)
        let upgrade = try page.upgrade(path: "/feed", host: host, extra: [("Cookie", cookie), ("Origin", "http://\(host)")])
        XCTAssertEqual(upgrade.status, 101)
        let silent = try RawSocket(port: server.port, receiveTimeoutSeconds: 30)
        let opened = Date()
        XCTAssertEqual(try silent.readToEnd(), [], "closed without a word")
        let held = Date().timeIntervalSince(opened)
        XCTAssertGreaterThan(held, 9, "not before the limit")
        XCTAssertLessThan(held, 20, "closed at the limit")
        // The page's socket outlived the limit: it still answers (a close frame to our close).
        try page.sendText(#"{"t":"snapshot"}"#)
        XCTAssertEqual(server.pages, 1, "the page is still connected")
    }
}
