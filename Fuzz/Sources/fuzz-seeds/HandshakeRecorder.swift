import NIOCore
import Pixels
import RFBProtocol

/// Our two handshake state machines talking to each other in memory (TLS taken as established), with
/// the bytes each side sent recorded: real handshakes to start the protocol corpora from.
struct HandshakeRecorder {
    var viewerBytes: [UInt8] = []
    var agentBytes: [UInt8] = []

    init(server: ServerHandshakeConfiguration, client: ClientHandshakeConfiguration,
         serverInit: ServerInit, consent: Bool = true) throws {
        var agent = ServerHandshake(configuration: server)
        var viewer = ClientHandshake(configuration: client)
        var toViewer = ByteBuffer(), toAgent = ByteBuffer()
        var agentQueue = agent.start()
        var viewerQueue = viewer.start()
        for _ in 0..<64 {
            var next: [ServerHandshake.Action] = []
            for action in agentQueue {
                switch action {
                case .send(let b):
                    agentBytes += b.readableBytesView
                    toViewer.writeImmutableBuffer(b)
                case .startTLS: next += agent.tlsEstablished()
                case .checkPlainCredentials: next += agent.plainCredentialsChecked(ok: true)
                case .askConsent: next += agent.consent(granted: consent)
                case .consentGrantedNeedServerInit:
                    next += try agent.serverInit(width: serverInit.width, height: serverInit.height,
                                                 format: serverInit.pixelFormat, name: serverInit.name)
                case .completed, .fail: break
                }
            }
            var nextViewer: [ClientHandshake.Action] = []
            for action in viewerQueue {
                switch action {
                case .send(let b):
                    viewerBytes += b.readableBytesView
                    toAgent.writeImmutableBuffer(b)
                case .startTLS: nextViewer += viewer.tlsEstablished()
                case .completed, .fail: break
                }
            }
            nextViewer += try viewer.receive(&toViewer)
            next += try agent.receive(&toAgent)
            if next.isEmpty, nextViewer.isEmpty { break }
            agentQueue = next
            viewerQueue = nextViewer
        }
    }
}
