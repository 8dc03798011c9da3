import LiveView
import XCTest

/// The page server's rules, without sockets (the same rules over real sockets: LiveServerSecurityTests).
final class PageGateTests: XCTestCase {
    let host = [("Host", "127.0.0.1:4242")]

    func testTokenIsExchangedOnceForAStrictHttpOnlyCookie() {
        var gate = PageGate(port: 4242, token: "t0k3n", cookieValue: "c00k1e")
        XCTAssertEqual(gate.url, "http://127.0.0.1:4242/?token=t0k3n")
        XCTAssertEqual(gate.decide(method: "GET", uri: "/?token=wrong", headers: host),
                       .refuse(status: 403, reason: "this link was already used or is wrong; start the command again for a new one"))
        XCTAssertFalse(gate.tokenUsed, "a wrong token does not use up the right one")
        XCTAssertEqual(gate.decide(method: "GET", uri: "/?token=t0k3n", headers: host),
                       .exchange(setCookie: "ra_page=c00k1e; Path=/; HttpOnly; SameSite=Strict"))
        guard case .refuse(403, _) = gate.decide(method: "GET", uri: "/?token=t0k3n", headers: host) else {
            return XCTFail("the token worked twice")
        }
    }

    func testEveryRequestNeedsTheCookie() {
        var gate = PageGate(port: 4242, token: "t", cookieValue: "secret")
        guard case .refuse(403, _) = gate.decide(method: "GET", uri: "/", headers: host) else { return XCTFail("served without cookie") }
        guard case .refuse(403, _) = gate.decide(method: "GET", uri: "/page.js", headers: host + [("Cookie", "ra_page=other")]) else {
            return XCTFail("served with a wrong cookie")
        }
        guard case .refuse(403, _) = gate.decide(method: "GET", uri: "/", headers: host + [("Cookie", "ra_page=secre")]) else {
            return XCTFail("served with a prefix of the cookie")
        }
        XCTAssertEqual(gate.decide(method: "GET", uri: "/page.js", headers: host + [("Cookie", "a=b; ra_page=secret")]), .serve("/page.js"))
        XCTAssertEqual(gate.decide(method: "GET", uri: "/", headers: [("Host", "localhost:4242"), ("cookie", "ra_page=secret")]), .serve("/"))
    }

    func testHostMustBeLoopbackWithThePort() {
        var gate = PageGate(port: 4242, token: "t", cookieValue: "c")
        for bad in ["evil.example:4242", "127.0.0.1", "127.0.0.1:4243", "localhost", "127.0.0.1.evil.example:4242", "[::1]:4242"] {
            guard case .refuse(403, _) = gate.decide(method: "GET", uri: "/?token=t", headers: [("Host", bad)]) else {
                return XCTFail("Host \(bad) accepted")
            }
        }
        guard case .refuse(403, _) = gate.decide(method: "GET", uri: "/?token=t", headers: []) else { return XCTFail("no Host accepted") }
        guard case .refuse(403, _) = gate.decide(method: "GET", uri: "/?token=t", headers: host + host) else {
            return XCTFail("two Host headers accepted")
        }
        XCTAssertFalse(gate.tokenUsed)
    }

    func testWebSocketNeedsCookieAndThePagesOwnOrigin() {
        var gate = PageGate(port: 4242, token: "t", cookieValue: "c")
        let cookie = ("Cookie", "ra_page=c")
        XCTAssertEqual(gate.decide(method: "GET", uri: "/feed", headers: host + [cookie, ("Origin", "http://127.0.0.1:4242")], upgrade: true), .upgrade)
        XCTAssertEqual(gate.decide(method: "GET", uri: "/feed", headers: [("Host", "localhost:4242"), cookie, ("Origin", "http://localhost:4242")],
                                   upgrade: true), .upgrade)
        for origin in ["http://evil.example", "http://localhost:4242", "https://127.0.0.1:4242", "null"] {
            guard case .refuse(403, _) = gate.decide(method: "GET", uri: "/feed", headers: host + [cookie, ("Origin", origin)], upgrade: true) else {
                return XCTFail("Origin \(origin) accepted for Host 127.0.0.1:4242")
            }
        }
        guard case .refuse(403, _) = gate.decide(method: "GET", uri: "/feed", headers: host + [cookie], upgrade: true) else {
            return XCTFail("no Origin accepted")
        }
        guard case .refuse(403, _) = gate.decide(method: "GET", uri: "/feed", headers: host + [("Origin", "http://127.0.0.1:4242")], upgrade: true) else {
            return XCTFail("no cookie accepted")
        }
        guard case .refuse(405, _) = gate.decide(method: "POST", uri: "/", headers: host + [cookie]) else { return XCTFail("POST accepted") }
    }

    func testTokensAreRandom128Bits() {
        let a = PageGate.randomHex(), b = PageGate.randomHex()
        XCTAssertEqual(a.count, 32)
        XCTAssertTrue(a.allSatisfy { $0.isHexDigit })
        XCTAssertNotEqual(a, b)
    }

    func testRateLimit() {
        var limit = RateLimit(perSecond: 20, burst: 40)
        let burst = (0..<60).filter { _ in limit.allow(at: 0) }.count
        XCTAssertEqual(burst, 40)
        XCTAssertFalse(limit.allow(at: 0.01))
        XCTAssertTrue(limit.allow(at: 0.1), "two tokens back after 0.1 s")
        XCTAssertTrue(limit.allow(at: 0.1))
        XCTAssertFalse(limit.allow(at: 0.1))
    }

    func testPageCommandsAreBounded() {
        XCTAssertEqual(PageCommand.parse(#"{"t":"chat","text":"hi <b>"}"#), .chat("hi <b>"))
        XCTAssertEqual(PageCommand.parse(#"{"t":"answer","question":3,"yes":false}"#), .answer(question: 3, yes: false))
        XCTAssertEqual(PageCommand.parse(#"{"t":"answer","question":4,"yes":true,"name":"Carol"}"#), .answer(question: 4, yes: true, name: "Carol"))
        XCTAssertNil(PageCommand.parse(#"{"t":"answer","question":4,"yes":true,"name":7}"#), "a name that is not text")
        XCTAssertNil(PageCommand.parse(#"{"t":"answer","question":4,"yes":true,"name":"\#(String(repeating: "n", count: 513))"}"#), "over 512 bytes")
        XCTAssertNil(PageCommand.parse(#"{"t":"chat","text":"\#(String(repeating: "x", count: 4096))"}"#), "over 4095 bytes")
        XCTAssertNil(PageCommand.parse(#"{"t":"rm -rf"}"#))
        XCTAssertNil(PageCommand.parse("not json"))
        XCTAssertNil(PageCommand.parse(#"{"t":"chat","text":5}"#))
    }
}
