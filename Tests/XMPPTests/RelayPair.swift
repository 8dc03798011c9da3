import Foundation
import NIOCore
import TestSupport
import XCTest
@testable import XMPP

/// Two of our clients on one private Prosody with a bytestream between them through proxy65: alice
/// opened it (initiator), bob accepted it (target). Both channels come back with autoRead off.
struct RelayPair {
    let alice: XMPPClient
    let bob: XMPPClient
    let opened: (channel: any Channel, leftover: [UInt8])
    let accepted: (channel: any Channel, leftover: [UInt8])

    static func make(on server: ProsodyServer) async throws -> RelayPair {
        try server.register("alice", password: "a-secret")
        try server.register("bob", password: "b-secret")
        let alice = try await XMPPClient.connect(account: try JID("alice@\(server.host)"), password: "a-secret", host: "127.0.0.1",
                                                 port: server.c2sPort, trust: .caFile(server.caFile), resource: "req")
        let bob = try await XMPPClient.connect(account: try JID("bob@\(server.host)"), password: "b-secret", host: "127.0.0.1",
                                               port: server.c2sPort, trust: .caFile(server.caFile), resource: "exp")
        let proxyJID = try JID(server.proxyHost)
        let aliceProxy = try await alice.streamHost(of: proxyJID)
        let bobProxy = try await bob.streamHost(of: proxyJID)
        let accepting = Task {
            for await s in bob.stanzas where s.name == "iq" && s.child("query", namespace: XMPPNamespace.bytestreams) != nil {
                return try await bob.acceptBytestream(s, proxy: bobProxy)
            }
            throw XMPPError.closed
        }
        let opened = try await alice.openBytestream(to: bob.jid, sid: "s\(UInt32.random(in: 0...UInt32.max))", via: aliceProxy)
        let accepted = try await within(20) { try await accepting.value }
        return RelayPair(alice: alice, bob: bob, opened: opened, accepted: accepted)
    }

    func close() async {
        try? await opened.channel.close()
        try? await accepted.channel.close()
        await alice.close()
        await bob.close()
    }
}

/// Adds `handlers` to `channel` (after any already there), then turns reading on (through
/// `RelayFraming.startReading` when the channel has relay framing).
func startReading(_ channel: any Channel, _ handlers: [any ChannelHandler & Sendable]) async throws {
    for h in handlers { try await channel.pipeline.addHandler(h) }
    let framed = try await channel.eventLoop.submit {
        (try? channel.pipeline.syncOperations.context(handlerType: RelayFrameHandler.self)) != nil
    }.get()
    if framed {
        try await RelayFraming.startReading(on: channel)
    } else {
        try await channel.setOption(ChannelOptions.autoRead, value: true).get()
    }
}
