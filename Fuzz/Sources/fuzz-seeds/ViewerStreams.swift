import FuzzSupport
import NIOCore
import Pixels
import RFBProtocol

/// Seeds of `fuzz-server-protocol`: what viewers send an agent, from the first handshake byte on.
enum ViewerStreams {
    static let serverInit = ServerInit(width: 128, height: 96, pixelFormat: .native, name: "fuzz")
    static let agentConfiguration = ServerHandshakeConfiguration(allowNone: true, veNCryptSubtypes: [.x509None, .x509Plain])

    static func handshake(_ client: ClientHandshakeConfiguration, consent: Bool = true) throws -> [UInt8] {
        try HandshakeRecorder(server: agentConfiguration, client: client, serverInit: serverInit, consent: consent).viewerBytes
    }

    static func messages(_ list: [ClientMessage]) throws -> [UInt8] {
        var b = ByteBuffer()
        for m in list { try m.write(into: &b) }
        return Array(b.readableBytesView)
    }

    static let everything: [Int32] = [
        RFBEncoding.copyRect, RFBEncoding.tileDelta, RFBEncoding.zrle, RFBEncoding.raw, RFBEncoding.cursor,
        RFBEncoding.pointerPos, RFBEncoding.desktopSize, RFBEncoding.extendedDesktopSize, RFBEncoding.lastRect,
        RFBEncoding.sessionEnd, RFBEncoding.fence, RFBEncoding.continuousUpdates, RFBEncoding.desktopName,
    ]

    static func session(format: PixelFormat, encodings: [Int32]) throws -> [UInt8] {
        let full = Rect(x: 0, y: 0, width: 128, height: 96)
        return try messages([
            .setPixelFormat(format),
            .setEncodings(encodings),
            .framebufferUpdateRequest(incremental: false, area: full),
            .framebufferUpdateRequest(incremental: true, area: full),
            .keyEvent(down: true, key: 0x61),
            .keyEvent(down: false, key: 0x61),
            .pointerEvent(buttonMask: 1, x: 40, y: 30),
            .clientCutText(Array("copied text".utf8)),
            .textChat(.open),
            .textChat(.message("hello from the viewer")),
            .framebufferUpdateRequest(incremental: true, area: Rect(x: 10, y: 5, width: 70, height: 60)),
            .textChat(.close),
            .framebufferUpdateRequest(incremental: false, area: Rect(x: 64, y: 0, width: 64, height: 96)),
        ])
    }

    static func extensions() throws -> [UInt8] {
        try messages([
            .setEncodings(everything),
            .enableContinuousUpdates(enable: true, area: Rect(x: 0, y: 0, width: 128, height: 96)),
            .clientFence(Fence(flags: Fence.request | Fence.blockBefore, payload: [1, 2, 3])),
            .setDesktopSize(width: 800, height: 600, screens: [Screen(id: 1, x: 0, y: 0, width: 800, height: 600)]),
            .enableContinuousUpdates(enable: false, area: Rect(x: 0, y: 0, width: 128, height: 96)),
            .framebufferUpdateRequest(incremental: true, area: Rect(x: 0, y: 0, width: 128, height: 96)),
            .sessionEnd(SessionEnd(reason: .userQuit, text: "bye")),
        ])
    }

    static func write(_ w: inout SeedWriter) throws {
        let t = "fuzz-server-protocol"
        let x509None = ClientHandshakeConfiguration(hasIdentity: true)
        let x509Plain = ClientHandshakeConfiguration(hasIdentity: false, plainCredentials: PlainCredentials(username: "viewer", password: "one-time"))
        let none = ClientHandshakeConfiguration(allowNone: true, hasIdentity: false)
        let native = try session(format: .native, encodings: everything)
        func seed(_ name: String, _ control: ProtocolControl, _ stream: [UInt8]) throws {
            try w.write(t, name, [control.byte] + stream)
        }
        try seed("x509none-native", ProtocolControl(readSeed: 0), try handshake(x509None) + native)
        try seed("x509none-native-bytewise", ProtocolControl(readSeed: 8), try handshake(x509None) + native)
        try seed("x509plain-zrle-rgb565", ProtocolControl(readSeed: 5),
                 try handshake(x509Plain) + session(format: .rgb565, encodings: [RFBEncoding.zrle, RFBEncoding.copyRect, RFBEncoding.cursor]))
        try seed("x509plain-wrong-password", ProtocolControl(readSeed: 2, flag6: true), try handshake(x509Plain))
        try seed("none-raw-bgr233", ProtocolControl(readSeed: 3),
                 try handshake(none) + session(format: .bgr233, encodings: [RFBEncoding.raw, RFBEncoding.pointerPos]))
        try seed("none-consent-refused", ProtocolControl(readSeed: 0, flag7: true), try handshake(none))
        try seed("none-extensions", ProtocolControl(readSeed: 6), try handshake(none) + extensions())
        try seed("none-tile-delta", ProtocolControl(readSeed: 4),
                 try handshake(none) + session(format: .native, encodings: [RFBEncoding.tileDelta, RFBEncoding.sessionEnd]))
        for (name, v) in [("v3.3", ProtocolVersion.v3_3), ("v3.7", .v3_7)] {
            let old = ClientHandshakeConfiguration(allowNone: true, hasIdentity: true, maxVersion: v)
            try seed("none-\(name)", ProtocolControl(readSeed: 1), try handshake(old) + native)
        }
        try seed("version-only", ProtocolControl(readSeed: 0), Array("RFB 003.008\n".utf8))
    }
}
