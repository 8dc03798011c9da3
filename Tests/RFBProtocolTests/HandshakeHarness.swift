import NIOCore
import Pixels
import XCTest

@testable import RFBProtocol

/// Wires a ServerHandshake and a ClientHandshake together in memory. TLS is simulated: once both sides
/// asked for `.startTLS`, both get `tlsEstablished()`.
struct HandshakeRun {
    enum Feeding { case whole, byteByByte }

    var serverActions: [ServerHandshake.Action] = []
    var clientActions: [ClientHandshake.Action] = []
    var serverSent: [UInt8] = []
    var clientSent: [UInt8] = []
    /// What the server was asked to check.
    var checkedCredentials: [PlainCredentials] = []

    static let serverInit = ServerInit(width: 1024, height: 768, pixelFormat: .native, name: "alice's desktop")

    var serverResult: ServerHandshakeResult? {
        for case .completed(let r) in serverActions { return r }
        return nil
    }
    var clientResult: ClientHandshakeResult? {
        for case .completed(let r) in clientActions { return r }
        return nil
    }
    var serverFailure: String? {
        for case .fail(let r) in serverActions { return r }
        return nil
    }
    var clientFailure: String? {
        for case .fail(let r) in clientActions { return r }
        return nil
    }

    static func run(server serverConfig: ServerHandshakeConfiguration, client clientConfig: ClientHandshakeConfiguration,
                    feeding: Feeding, consent: Bool = true, consentReason: String? = nil,
                    validPassword: PlainCredentials? = PlainCredentials(username: "alice", password: "secret")) throws -> HandshakeRun {
        var run = HandshakeRun()
        var server = ServerHandshake(configuration: serverConfig)
        var client = ClientHandshake(configuration: clientConfig)
        var toClient: [UInt8] = [], toServer: [UInt8] = []
        var serverInbox = ByteBuffer(), clientInbox = ByteBuffer()
        var serverTLS = false, clientTLS = false
        var pendingCheck: Bool?
        var pendingConsent = false, pendingInit = false

        func handle(_ actions: [ServerHandshake.Action]) {
            for a in actions {
                run.serverActions.append(a)
                switch a {
                case .send(let b):
                    run.serverSent += bytes(b)
                    toClient += bytes(b)
                case .startTLS: serverTLS = true
                case .checkPlainCredentials(let u, let p):
                    let c = PlainCredentials(username: u, password: p)
                    run.checkedCredentials.append(c)
                    pendingCheck = c == validPassword
                case .askConsent: pendingConsent = true
                case .consentGrantedNeedServerInit: pendingInit = true
                case .completed, .fail: break
                }
            }
        }
        func handle(_ actions: [ClientHandshake.Action]) {
            for a in actions {
                run.clientActions.append(a)
                switch a {
                case .send(let b):
                    run.clientSent += bytes(b)
                    toServer += bytes(b)
                case .startTLS: clientTLS = true
                case .completed, .fail: break
                }
            }
        }
        func deliver(_ data: inout [UInt8], to inbox: inout ByteBuffer, _ receive: (inout ByteBuffer) throws -> Void) rethrows {
            switch feeding {
            case .whole:
                inbox.writeBytes(data)
                try receive(&inbox)
            case .byteByByte:
                for byte in data {
                    inbox.writeInteger(byte)
                    try receive(&inbox)
                }
            }
            data.removeAll()
        }

        handle(server.start())
        handle(client.start())
        for _ in 0..<100 {
            var progress = false
            if !toClient.isEmpty {
                progress = true
                try deliver(&toClient, to: &clientInbox) { handle(try client.receive(&$0)) }
            }
            if !toServer.isEmpty {
                progress = true
                try deliver(&toServer, to: &serverInbox) { handle(try server.receive(&$0)) }
            }
            if serverTLS, clientTLS {
                progress = true
                serverTLS = false
                clientTLS = false
                handle(server.tlsEstablished())
                handle(client.tlsEstablished())
            }
            if let ok = pendingCheck {
                progress = true
                pendingCheck = nil
                handle(server.plainCredentialsChecked(ok: ok))
            }
            if pendingConsent {
                progress = true
                pendingConsent = false
                handle(server.consent(granted: consent, reason: consentReason))
            }
            if pendingInit {
                progress = true
                pendingInit = false
                let si = serverInit
                handle(try server.serverInit(width: si.width, height: si.height, format: si.pixelFormat, name: si.name))
            }
            if !progress { break }
        }
        if run.serverFailure == nil, run.clientFailure == nil {
            XCTAssertEqual(serverInbox.readableBytes, 0, "server left bytes unread")
            XCTAssertEqual(clientInbox.readableBytes, 0, "client left bytes unread")
        }
        return run
    }
}

extension HandshakeRun: Equatable {}
