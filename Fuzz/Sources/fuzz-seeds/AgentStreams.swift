import Agent
import FuzzSupport
import NIOCore
import Pixels
import RFBProtocol

/// Seeds of `fuzz-client-protocol`: what agents send a viewer, from the first handshake byte on, with
/// updates made by the agent's own `UpdateBuilder` in every pixel encoding, and the other server messages.
enum AgentStreams {
    static let width = 72, height = 40
    static let serverInit = ServerInit(width: width, height: height, pixelFormat: .native, name: "requester's desktop")
    static let viewer = ClientHandshakeConfiguration(allowNone: true, hasIdentity: true,
                                                     plainCredentials: PlainCredentials(username: "fuzz", password: "secret"))

    static func handshake(_ server: ServerHandshakeConfiguration, serverInit: ServerInit = serverInit,
                          client: ClientHandshakeConfiguration = viewer, consent: Bool = true) throws -> [UInt8] {
        try HandshakeRecorder(server: server, client: client, serverInit: serverInit, consent: consent).agentBytes
    }

    static func picture(_ n: Int) -> Framebuffer {
        var fb = Framebuffer(width: width, height: height, fill: 0x30_4050)
        fb.fill(Rect(x: 4 + 6 * n, y: 8 + 3 * n, width: 20, height: 12), with: 0xE0_C020)
        for x in 0..<width { fb[x, (10 + n) % height] = UInt32(x * 0x020305) & 0xFF_FFFF }
        return fb
    }

    /// Three updates (full, then two incremental with motion) in `encoding` and `format`, with a cursor
    /// and the pointer position.
    static func updates(encoding: Int32, format: PixelFormat, extended: Bool = false) throws -> [UInt8] {
        let builder = UpdateBuilder(width: width, height: height)
        let settings = UpdateSettings(encoding: encoding, format: format, copyRect: true, cursor: true,
                                      pointerPosition: true, desktopSize: true, extendedDesktopSize: extended)
        let cursor = CursorImage(width: 9, height: 6, hotX: 1, hotY: 2,
                                 argb: (0..<54).map { UInt32($0 * 0x030507) | ($0 % 4 == 0 ? 0 : 0xFF00_0000) }, serial: 1)
        var out: [UInt8] = []
        let all = Rect(x: 0, y: 0, width: width, height: height)
        for n in 0..<3 {
            if let b = try builder.build(live: picture(n), damage: [all], area: all, incremental: n > 0, settings: settings,
                                         leading: n == 0 ? [.sessionEndConfirmation] : [], cursor: n == 0 ? cursor : nil,
                                         pointer: (x: 10 * n, y: 5 * n)) {
                out += b.readableBytesView
            }
        }
        return out
    }

    static func serverMessages() throws -> [UInt8] {
        var b = ByteBuffer()
        for m: ServerMessage in [.bell, .serverCutText(Array("clipboard".utf8)), .textChat(.open), .textChat(.message("hi")),
                                 .endOfContinuousUpdates, .serverFence(Fence(flags: Fence.request | Fence.syncNext, payload: [9])),
                                 .setColourMapEntries(firstColour: 0, colours: [ColourMapEntry(red: 1, green: 2, blue: 3)])] {
            try m.write(into: &b)
        }
        // An update announced with 65535 rectangles, ended by LastRect, with the pseudo-rectangles.
        try ServerMessage.framebufferUpdate(rectangleCount: 65_535).write(into: &b)
        for r in [try Rectangle.desktopName("renamed desktop"), try Rectangle.pointerPosition(x: 3, y: 4),
                  try Rectangle.copyRect(Rect(x: 0, y: 0, width: 8, height: 8), sourceX: 8, sourceY: 8),
                  try Rectangle.extendedDesktopSize(reason: .server, status: .noError, width: 80, height: 60,
                                                    screens: [Screen(id: 0, x: 0, y: 0, width: 80, height: 60)]),
                  try Rectangle.desktopSize(width: 72, height: 48), Rectangle.lastRect] {
            r.write(into: &b)
        }
        try ServerMessage.sessionEnd(SessionEnd(reason: .userQuit, text: "the requester ended the session")).write(into: &b)
        return Array(b.readableBytesView)
    }

    static func write(_ w: inout SeedWriter) throws {
        let t = "fuzz-client-protocol"
        let veNCrypt = ServerHandshakeConfiguration(veNCryptSubtypes: [.x509None, .x509Plain])
        let plainOnly = ServerHandshakeConfiguration(veNCryptSubtypes: [.x509Plain])
        let none = ServerHandshakeConfiguration(allowNone: true, veNCryptSubtypes: [])
        func seed(_ name: String, _ control: ProtocolControl, _ stream: [UInt8]) throws {
            try w.write(t, name, [control.byte] + stream)
        }
        try seed("x509none-tile-delta", ProtocolControl(readSeed: 0),
                 try handshake(veNCrypt) + updates(encoding: RFBEncoding.tileDelta, format: .native))
        try seed("x509none-zrle", ProtocolControl(readSeed: 5),
                 try handshake(veNCrypt) + updates(encoding: RFBEncoding.zrle, format: .native, extended: true))
        try seed("x509plain-raw", ProtocolControl(readSeed: 3),
                 try handshake(plainOnly, client: ClientHandshakeConfiguration(hasIdentity: false, plainCredentials: PlainCredentials(username: "a", password: "b")))
                 + updates(encoding: RFBEncoding.raw, format: .native))
        try seed("none-messages", ProtocolControl(readSeed: 1), try handshake(none) + serverMessages())
        try seed("none-messages-bytewise", ProtocolControl(readSeed: 8), try handshake(none) + serverMessages())
        let rgb565Init = ServerInit(width: width, height: height, pixelFormat: .rgb565, name: "16-bit desktop")
        try seed("none-server-format-rgb565-zrle", ProtocolControl(readSeed: 2, flag6: true),
                 try handshake(none, serverInit: rgb565Init) + updates(encoding: RFBEncoding.zrle, format: .rgb565))
        let bgrInit = ServerInit(width: width, height: height, pixelFormat: .bgr233, name: "8-bit desktop")
        try seed("none-server-format-bgr233-raw", ProtocolControl(readSeed: 7, flag6: true),
                 try handshake(none, serverInit: bgrInit) + updates(encoding: RFBEncoding.raw, format: .bgr233))
        try seed("declined", ProtocolControl(readSeed: 0), try handshake(veNCrypt, consent: false))
        for (name, v) in [("v3.3", ProtocolVersion.v3_3), ("v3.7", .v3_7)] {
            let old = ServerHandshakeConfiguration(allowNone: true, veNCryptSubtypes: [], version: v)
            try seed("none-\(name)", ProtocolControl(readSeed: 4), try handshake(old) + serverMessages())
        }
    }
}
