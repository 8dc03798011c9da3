import Agent
import FuzzSupport
import NIOCore
import Pixels
import RFBProtocol
import Viewer

/// Answers the viewer's requests the way the agent does (`UpdateBuilder`, settings from its
/// SetPixelFormat / SetEncodings), and decodes every update with the viewer's own code: what our
/// agent sends, our viewer must accept, and in the native format reproduce exactly.
final class AgentSide {
    static let maxUpdates = 6

    let width: Int, height: Int
    let builder: UpdateBuilder
    var settings = UpdateSettings()
    var encodings: [Int32] = []
    var leading: [Rectangle] = []
    var updates = 0
    /// Every update so far went out in the native format, so the viewer's picture must match exactly.
    var lossless = true
    var viewer: ClientSession
    let assembler: FrameAssembler
    var viewerInbox = ByteBuffer()
    let cursor: CursorImage

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        builder = UpdateBuilder(width: width, height: height)
        viewer = ClientSession(serverInit: ServerInit(width: width, height: height, pixelFormat: .native, name: "fuzz"))
        assembler = FrameAssembler(width: width, height: height)
        let argb = (0..<(11 * 7)).map { i in UInt32(truncatingIfNeeded: i * 0x0102_0304) | (i % 3 == 0 ? 0 : 0xFF00_0000) }
        cursor = CursorImage(width: 11, height: 7, hotX: 2, hotY: 3, argb: argb, serial: 1)
    }

    func handle(_ action: ServerSession.Action, session: inout ServerSession) throws {
        switch action {
        case .pixelFormatChanged(let format):
            settings = UpdateSettings(encodings: encodings, format: format)
            _ = try viewer.setPixelFormat(format)
        case .encodingsChanged(let list):
            encodings = list
            settings = UpdateSettings(encodings: list, format: settings.format)
            _ = try viewer.setEncodings(list)
            leading += session.takeLeadingRectangles()
            // A viewer that stops listing SessionEnd (file transfer) before the confirmation went out must not get it.
            if !list.contains(RFBEncoding.sessionEnd) { leading.removeAll { $0 == .sessionEndConfirmation } }
            if !list.contains(RFBEncoding.fileTransfer) { leading.removeAll { $0 == .fileTransferConfirmation } }
        case .updateRequested(let request):
            try answer(request)
        case .send, .continuousUpdatesChanged, .keyEvent, .pointerEvent, .cutText, .chat,
             .desktopSizeRequested, .peerEndedSession, .fileTransfer:
            break
        }
    }

    func answer(_ request: ServerSession.UpdateRequest) throws {
        guard updates < Self.maxUpdates else { return }
        let live = SyntheticScreen.frame(updates, width: width, height: height)
        updates += 1
        if settings.format != .native { lossless = false }
        let update: ByteBuffer?
        do {
            update = try builder.build(live: live, damage: [live.bounds], area: request.area,
                                       incremental: request.incremental, settings: settings, leading: leading,
                                       cursor: updates == 1 ? cursor : nil, pointer: (x: 3 * updates, y: 2 * updates))
        } catch {
            fuzzCheck(false, "UpdateBuilder failed for \(request) with \(settings): \(error)")
            return
        }
        leading = []
        guard let update else { return }
        viewerInbox.writeImmutableBuffer(update)
        do {
            for event in try viewer.receive(&viewerInbox) {
                if case .rectangle(let rectangle) = event { try assembler.apply(rectangle, format: viewer.pixelFormat) }
            }
        } catch {
            fuzzCheck(false, "our viewer refused our agent's update (\(settings)): \(error)")
        }
        fuzzCheck(viewerInbox.readableBytes == 0 && !viewer.isInsideUpdate, "the update was not read completely")
        guard lossless else { return }
        let area = request.area
        for y in area.y..<area.maxY {
            for x in area.x..<area.maxX where assembler.framebuffer[x, y] != live[x, y] {
                fuzzCheck(false, "pixel \(x),\(y) of \(area) differs after update \(updates) (\(settings))")
            }
        }
    }
}
