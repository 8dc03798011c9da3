import NIOCore
import Pixels
import XCTest

@testable import RFBProtocol

final class ServerSessionTests: XCTestCase {
    func receive(_ s: inout ServerSession, _ messages: [ClientMessage]) throws -> [ServerSession.Action] {
        var b = ByteBuffer()
        for m in messages { try m.write(into: &b) }
        let actions = try s.receive(&b)
        XCTAssertEqual(b.readableBytes, 0)
        return actions
    }

    let full = Rect(x: 0, y: 0, width: 100, height: 50)

    func testContinuousUpdatesAndFenceAreAnsweredOnFirstSight() throws {
        var s = ServerSession(framebufferWidth: 100, framebufferHeight: 50, pixelFormat: .native)
        let list: [Int32] = [16, 0, -313, -312]
        XCTAssertEqual(try receive(&s, [.setEncodings(list)]),
                       [.encodingsChanged(list), .send(buf([150])), .send(buf([248, 0, 0, 0, 0x80, 0, 0, 0, 0]))])
        XCTAssertEqual(try receive(&s, [.setEncodings(list)]), [.encodingsChanged(list)])
        XCTAssertEqual(try receive(&s, [.enableContinuousUpdates(enable: true, area: Rect(x: 0, y: 0, width: 500, height: 20))]),
                       [.continuousUpdatesChanged(enabled: true, area: Rect(x: 0, y: 0, width: 100, height: 20))])
        // While enabled: incremental requests ignored, non-incremental honoured.
        XCTAssertEqual(try receive(&s, [.framebufferUpdateRequest(incremental: true, area: full)]), [])
        XCTAssertEqual(try receive(&s, [.framebufferUpdateRequest(incremental: false, area: full)]),
                       [.updateRequested(.init(incremental: false, area: full, includeExtendedDesktopSize: false))])
        XCTAssertEqual(try receive(&s, [.enableContinuousUpdates(enable: false, area: full)]),
                       [.send(buf([150])), .continuousUpdatesChanged(enabled: false, area: Rect(x: 0, y: 0, width: 100, height: 20))])
        XCTAssertEqual(try receive(&s, [.framebufferUpdateRequest(incremental: true, area: full)]),
                       [.updateRequested(.init(incremental: true, area: full, includeExtendedDesktopSize: false))])
    }

    func testEnableContinuousUpdatesWithoutAskingIsAnError() throws {
        var s = ServerSession(framebufferWidth: 100, framebufferHeight: 50, pixelFormat: .native)
        XCTAssertThrowsError(try receive(&s, [.enableContinuousUpdates(enable: true, area: full)])) { e in
            XCTAssertEqual(e as? RFBError, .unexpected("EnableContinuousUpdates without ContinuousUpdates in SetEncodings"))
        }
    }

    func testFenceRequestIsRepliedWithRequestAndUnknownBitsCleared() throws {
        var s = ServerSession(framebufferWidth: 100, framebufferHeight: 50, pixelFormat: .native)
        let request = Fence(flags: Fence.request | Fence.blockBefore | 0x100, payload: [7, 7])
        XCTAssertEqual(try receive(&s, [.clientFence(request)]), [.send(buf([248, 0, 0, 0, 0, 0, 0, 1, 2, 7, 7]))])
        XCTAssertEqual(try receive(&s, [.clientFence(Fence(flags: Fence.blockBefore))]), [])  // a reply: nothing to do
    }

    func testExtendedDesktopSizeAnswersEveryNonIncrementalRequest() throws {
        var s = ServerSession(framebufferWidth: 100, framebufferHeight: 50, pixelFormat: .native)
        _ = try receive(&s, [.setEncodings([0, -308])])
        let big = Rect(x: 50, y: 10, width: 1000, height: 1000)
        XCTAssertEqual(try receive(&s, [.framebufferUpdateRequest(incremental: false, area: big),
                                        .framebufferUpdateRequest(incremental: false, area: big),
                                        .framebufferUpdateRequest(incremental: true, area: big)]), [
            .updateRequested(.init(incremental: false, area: Rect(x: 50, y: 10, width: 50, height: 40), includeExtendedDesktopSize: true)),
            .updateRequested(.init(incremental: false, area: Rect(x: 50, y: 10, width: 50, height: 40), includeExtendedDesktopSize: true)),
            .updateRequested(.init(incremental: true, area: Rect(x: 50, y: 10, width: 50, height: 40), includeExtendedDesktopSize: false)),
        ])
    }

    func testViewOnlyDropsInput() throws {
        let input: [ClientMessage] = [.keyEvent(down: true, key: 0x61), .pointerEvent(buttonMask: 1, x: 3, y: 4),
                                      .clientCutText(ascii("x")), .textChat(.message("hi"))]
        var viewOnly = ServerSession(framebufferWidth: 100, framebufferHeight: 50, pixelFormat: .native, viewOnly: true)
        XCTAssertEqual(try receive(&viewOnly, input), [.chat(.message("hi"))])
        var interactive = ServerSession(framebufferWidth: 100, framebufferHeight: 50, pixelFormat: .native)
        XCTAssertEqual(try receive(&interactive, input),
                       [.keyEvent(down: true, key: 0x61), .pointerEvent(buttonMask: 1, x: 3, y: 4), .cutText(ascii("x")),
                        .chat(.message("hi"))])
    }

    func testPointerPositionsAreClampedIntoTheFramebuffer() throws {
        var s = ServerSession(framebufferWidth: 100, framebufferHeight: 50, pixelFormat: .native)
        XCTAssertEqual(try receive(&s, [.pointerEvent(buttonMask: 0, x: 65535, y: 50), .pointerEvent(buttonMask: 2, x: 99, y: 49)]),
                       [.pointerEvent(buttonMask: 0, x: 99, y: 49), .pointerEvent(buttonMask: 2, x: 99, y: 49)])
    }

    func testPixelFormatAndEncodingChoice() throws {
        var s = ServerSession(framebufferWidth: 100, framebufferHeight: 50, pixelFormat: .native)
        XCTAssertEqual(try receive(&s, [.setPixelFormat(.rgb565)]), [.pixelFormatChanged(.rgb565)])
        XCTAssertEqual(s.pixelFormat, .rgb565)
        XCTAssertEqual(s.pixelEncoding(among: [RFBEncoding.tileDelta, RFBEncoding.zrle]), RFBEncoding.raw)
        _ = try receive(&s, [.setEncodings([7, 5, 16, 1, 0])])
        XCTAssertEqual(s.pixelEncoding(among: [RFBEncoding.tileDelta, RFBEncoding.zrle, RFBEncoding.raw]), RFBEncoding.zrle)
    }

    func testSessionEndOnlyAfterConfirmation() throws {
        var stock = ServerSession(framebufferWidth: 100, framebufferHeight: 50, pixelFormat: .native)
        _ = try receive(&stock, [.setEncodings([16, 0])])
        XCTAssertEqual(stock.takeLeadingRectangles(), [])
        XCTAssertNil(try stock.sessionEnd(reason: .userQuit, text: "alice ended the session"))

        var ours = ServerSession(framebufferWidth: 100, framebufferHeight: 50, pixelFormat: .native)
        _ = try receive(&ours, [.setEncodings([RFBEncoding.tileDelta, 16, 0, RFBEncoding.sessionEnd])])
        XCTAssertNil(try ours.sessionEnd(reason: .userQuit, text: "x"), "nothing before the confirmation went out")
        XCTAssertEqual(ours.takeLeadingRectangles(), [.sessionEndConfirmation])
        XCTAssertEqual(ours.takeLeadingRectangles(), [])
        XCTAssertEqual(try ours.sessionEnd(reason: .userQuit, text: "alice ended the session").map(bytes),
                       [212, 0, 0, 0] + u32(23) + ascii("alice ended the session"))
        XCTAssertEqual(try receive(&ours, [.sessionEnd(SessionEnd(reason: .interrupted, text: "bob ended the session"))]),
                       [.peerEndedSession(SessionEnd(reason: .interrupted, text: "bob ended the session"))])
    }
}

final class ClientSessionTests: XCTestCase {
    let si = ServerInit(width: 100, height: 50, pixelFormat: .native, name: "desk")

    func events(_ c: inout ClientSession, _ wire: ByteBuffer, byteByByte: Bool) throws -> [ClientSession.Event] {
        var b = ByteBuffer()
        var all: [ClientSession.Event] = []
        if byteByByte {
            for byte in wire.readableBytesView {
                b.writeInteger(byte)
                all += try c.receive(&b)
            }
        } else {
            b.writeImmutableBuffer(wire)
            all += try c.receive(&b)
        }
        XCTAssertEqual(b.readableBytes, 0)
        return all
    }

    func testServerToClientSessionFlow() throws {
        // The server side produces the bytes; the client side reads them, whole and byte by byte.
        var server = ServerSession(framebufferWidth: 100, framebufferHeight: 50, pixelFormat: .native)
        var client0 = ClientSession(serverInit: si)
        var toServer = try client0.setEncodings([RFBEncoding.zrle, RFBEncoding.raw, RFBEncoding.desktopSize,
                                                 RFBEncoding.sessionEnd, RFBEncoding.fence, RFBEncoding.continuousUpdates])
        toServer.writeImmutableBuffer(try client0.updateRequest(incremental: false))
        let serverActions = try server.receive(&toServer)
        var wire = ByteBuffer()
        for case .send(let b) in serverActions { wire.writeImmutableBuffer(b) }
        XCTAssertEqual(serverActions.last, .updateRequested(.init(incremental: false, area: Rect(x: 0, y: 0, width: 100, height: 50),
                                                                  includeExtendedDesktopSize: false)))
        let pixels = ByteBuffer(repeating: 0x11, count: 2 * 2 * 4)
        try FramebufferUpdate.write(server.takeLeadingRectangles() + [
            try .raw(Rect(x: 98, y: 48, width: 2, height: 2), pixels: pixels, format: .native),
            try .desktopSize(width: 200, height: 80),
        ], into: &wire)
        try ServerMessage.textChat(.message("hello")).write(into: &wire)
        try ServerMessage.bell.write(into: &wire)
        try XCTUnwrap(try server.sessionEnd(reason: .endOfInput, text: "alice ended the session")).readableBytesView
            .forEach { wire.writeInteger($0) }

        var results: [[ClientSession.Event]] = []
        for mode in [false, true] {
            var client = client0
            let evs = try events(&client, wire, byteByByte: mode)
            results.append(evs)
            XCTAssertEqual(client.framebufferWidth, 200)
            XCTAssertEqual(client.framebufferHeight, 80)
            XCTAssertTrue(client.sessionEndConfirmed)
            XCTAssertTrue(client.serverSupportsContinuousUpdates)
            XCTAssertTrue(client.serverSupportsFence)
            XCTAssertEqual(try client.sessionEnd(reason: .userQuit, text: "bob").map(bytes), [212, 0, 0, 0, 0, 0, 0, 3] + ascii("bob"))
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[0], [
            .endOfContinuousUpdates,
            .send(buf([248, 0, 0, 0, 0, 0, 0, 0, 0])),  // reply to the server's fence request
            .updateBegan(rectangleCount: 3),
            .rectangle(.sessionEndConfirmation),
            .sessionEndConfirmed,
            .rectangle(Rectangle(header: RectangleHeader(x: 98, y: 48, width: 2, height: 2, encoding: 0), body: pixels)),
            .rectangle(try .desktopSize(width: 200, height: 80)),
            .framebufferResized(width: 200, height: 80),
            .updateEnded,
            .chat(.message("hello")),
            .bell,
            .peerEndedSession(SessionEnd(reason: .endOfInput, text: "alice ended the session")),
        ])
    }

    /// x11vnc answers every non-incremental request with an ExtendedDesktopSize rectangle of the unchanged
    /// size; reporting it as a resize made the viewer clear its picture and ask again, forever.
    func testExtendedDesktopSizeOfTheSameSizeIsNoResize() throws {
        var c = ClientSession(serverInit: si)
        let same = try Rectangle.extendedDesktopSize(reason: .server, status: .noError, width: 100, height: 50,
                                                     screens: [Screen(id: 0, x: 0, y: 0, width: 100, height: 50)])
        let bigger = try Rectangle.extendedDesktopSize(reason: .server, status: .noError, width: 120, height: 60,
                                                       screens: [Screen(id: 0, x: 0, y: 0, width: 120, height: 60)])
        var wire = ByteBuffer()
        try FramebufferUpdate.write([same], into: &wire)
        XCTAssertEqual(try c.receive(&wire), [.updateBegan(rectangleCount: 1), .rectangle(same), .updateEnded])
        try FramebufferUpdate.write([try .desktopSize(width: 100, height: 50)], into: &wire)
        XCTAssertEqual(try c.receive(&wire), [.updateBegan(rectangleCount: 1), .rectangle(try .desktopSize(width: 100, height: 50)),
                                              .updateEnded])
        try FramebufferUpdate.write([bigger, same], into: &wire)
        XCTAssertEqual(try c.receive(&wire), [.updateBegan(rectangleCount: 2), .rectangle(bigger),
                                              .framebufferResized(width: 120, height: 60), .rectangle(same),
                                              .framebufferResized(width: 100, height: 50), .updateEnded])
        XCTAssertEqual(c.framebufferWidth, 100)
        XCTAssertEqual(c.framebufferHeight, 50)
    }

    func testClientRefusesUnaskedConfirmationAndColourMapFormats() throws {
        var c = ClientSession(serverInit: si)
        XCTAssertNil(try c.sessionEnd(reason: .userQuit, text: ""))
        var wire = ByteBuffer()
        try FramebufferUpdate.write([.sessionEndConfirmation], into: &wire)
        XCTAssertThrowsError(try c.receive(&wire)) { e in
            XCTAssertEqual(e as? RFBError, .unexpected("SessionEnd confirmation although we never listed it"))
        }
        var cm = PixelFormat.native
        cm.trueColour = false
        XCTAssertThrowsError(try c.setPixelFormat(cm)) { e in
            XCTAssertEqual(e as? RFBError, .unsupportedPixelFormat("colour-map pixel formats are not supported"))
        }
        XCTAssertEqual(try c.setPixelFormat(.rgb565).readableBytes, 20)
        XCTAssertEqual(c.pixelFormat, .rgb565)
    }

    func testEmptyUpdateAndColourMapEntriesAreHandled() throws {
        var c = ClientSession(serverInit: si)
        var wire = ByteBuffer()
        try FramebufferUpdate.write([], into: &wire)
        try ServerMessage.setColourMapEntries(firstColour: 0, colours: [ColourMapEntry(red: 1, green: 2, blue: 3)]).write(into: &wire)
        XCTAssertEqual(try c.receive(&wire), [.updateBegan(rectangleCount: 0), .updateEnded])
        XCTAssertFalse(c.isInsideUpdate)
    }

    func testRectangleOutsideTheFramebufferIsRejectedInSession() throws {
        var c = ClientSession(serverInit: si)
        var wire = buf([0, 0, 0, 1] + u16(0) + u16(0) + u16(101) + u16(1) + s32(0))
        XCTAssertThrowsError(try c.receive(&wire)) { e in
            XCTAssertEqual(e as? RFBError, .rectangleOutsideFramebuffer(x: 0, y: 0, width: 101, height: 1,
                                                                        framebufferWidth: 100, framebufferHeight: 50))
        }
    }
}
