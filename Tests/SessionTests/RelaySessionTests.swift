import Agent
import Foundation
import NIOCore
import Pixels
import RFBProtocol
import RFBTransport
import TestSupport
import Viewer
import X11Capture
import XCTest
import XMPP

/// Issue #13: the session itself through a real Prosody's SOCKS5 relay (XEP-0065, proxy65). Bob (the
/// requester) offers the stream, alice (the expert) takes it; on it runs the same RFB + VeNCrypt TLS 1.3
/// with pinned certificates as over TCP (bob's agent is the RFB server, as in `request`), so the server
/// relays only ciphertext. The picture must be pixel-exact before and after a change.
final class RelaySessionTests: XCTestCase {
    func testAReverseSessionThroughTheServersRelayIsPixelExactOnEpoll() async throws {
        try await session(backend: "epoll")
    }

    func testAReverseSessionThroughTheServersRelayIsPixelExactOnSelect() async throws {
        try await session(backend: "select")
    }

    private func session(backend: String) async throws {
        let prosody = try ProsodyServer(backend: backend)
        defer { prosody.stop() }
        try prosody.register("alice", password: "alice-secret")
        try prosody.register("bob", password: "bob-secret")
        let fixture = try SessionFixture(width: 640, height: 480)
        defer { fixture.shutdown() }

        func login(_ user: String) async throws -> XMPPClient {
            try await XMPPClient.connect(account: JID("\(user)@\(prosody.host)"), password: "\(user)-secret", host: "127.0.0.1",
                                         port: prosody.c2sPort, trust: .caFile(prosody.caFile), resource: "remote-assist")
        }
        let alice = try await login("alice"), bob = try await login("bob")
        let proxyJID = try JID(prosody.proxyHost)
        // Alice takes the first bytestream offer that arrives.
        let aliceSide = Task { () throws -> (channel: any Channel, leftover: [UInt8]) in
            let proxy = try await alice.streamHost(of: proxyJID)
            for await stanza in alice.stanzas where stanza.name == "iq" {
                return try await alice.acceptBytestream(stanza, proxy: proxy)
            }
            throw XMPPError.closed
        }
        let bobProxy = try await bob.streamHost(of: proxyJID)
        let bobStream = try await bob.openBytestream(to: alice.jid, sid: "relay-session-1", via: bobProxy)
        let aliceStream = try await aliceSide.value
        // Our framing under TLS on both ends (Prosody's default epoll backend holds the tail of a burst).
        try await RelayFraming.install(on: bobStream.channel, leftover: bobStream.leftover)
        try await RelayFraming.install(on: aliceStream.channel, leftover: aliceStream.leftover)

        // Bob's agent on his end of the relay.
        let credentials = TLSCredentials(identity: fixture.agentIdentity)
        let security = AgentSecurity(
            mutualTLS: try TLSSetup.Server(credentials: credentials,
                                           clientCertificates: .required(TrustedPeers([try Contact(name: "alice", fingerprint: fixture.viewerIdentity.fingerprint)]))),
            passwordTLS: nil, passwords: nil, allowNone: false)
        let display = fixture.xvfb.display
        let agentEvents = fixture.agentEvents
        let agentConfiguration = AgentConfiguration(
            security: security, desktopName: "bob's desktop", makeSource: { try X11ScreenSource(displayName: display) },
            consent: { $1(true) }, events: { agentEvents.append($0) }, reverse: true)
        _ = try await AgentDialer.run(on: bobStream.channel, configuration: agentConfiguration)

        // Alice's viewer on hers: she accepted over XMPP already, so the RFB request is answered at once.
        let tls = try TLSSetup.Client(credentials: TLSCredentials(identity: fixture.viewerIdentity),
                                      trustedServers: TrustedPeers(fingerprint: fixture.agentIdentity.fingerprint, name: "bob"))
        let viewerEvents = fixture.viewerEvents
        let viewerConfiguration = ViewerConfiguration(tls: tls, encodings: [.tileDelta, .zrle, .raw], events: { viewerEvents.append($0) },
                                                      answerRequest: { _, answer in answer(.accepted()) })
        let viewer = try await ViewerClient.run(on: aliceStream.channel, configuration: viewerConfiguration)

        try await fixture.waitUntilViewerMatchesScreen(viewer, timeout: 30)
        let draw = try XCTUnwrap(XDrawing(displayName: display))
        for x in stride(from: 0, to: 640, by: 3) { draw.line(x0: x, y0: 0, x1: x, y1: 479, UInt32((x * 7919) & 0xFFFFFF)) }
        draw.sync()
        try await fixture.waitUntilViewerMatchesScreen(viewer, timeout: 30)

        viewer.end(reason: .userQuit, text: "alice ended the session")
        await alice.close()
        await bob.close()
    }
}
