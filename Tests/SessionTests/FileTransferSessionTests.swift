import Agent
import Foundation
import Pixels
import RFBProtocol
import RFBTransport
import TestSupport
import Viewer
import XCTest

/// Files between a real agent and a real viewer over real TLS on 127.0.0.1 (Xvfb screen): both
/// directions, every size that matters, declines and cancels from each side, and the picture going on.
final class FileTransferSessionTests: XCTestCase {
    static func downloads(_ name: String) throws -> String {
        try PrivateFolder.prepare(try makeTemporaryDirectory(name).path + "/received", purpose: "test downloads")
    }

    static func randomFile(_ size: Int, name: String = "data.bin") throws -> String {
        let path = try makeTemporaryDirectory("send").path + "/" + name
        var bytes = [UInt8](repeating: 0, count: size)
        var rng = SystemRandomNumberGenerator()
        var i = 0
        while i < size {
            let word = rng.next() as UInt64
            for k in 0..<8 where i + k < size { bytes[i + k] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(k))) }
            i += 8
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func entries(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    static func fileEvents(_ events: [AgentEvent]) -> [FileTransferEvent] {
        events.compactMap { if case .file(let e) = $0 { return e }; return nil }
    }

    static func fileEvents(_ events: [ViewerEvent]) -> [FileTransferEvent] {
        events.compactMap { if case .file(let e) = $0 { return e }; return nil }
    }

    /// A live session with a downloads folder on each side; the agent accepts offers when `autoAccept`.
    func start(_ fixture: SessionFixture, autoAccept: Bool = true, agentFolder: String? = nil)
        async throws -> (AgentServer, ViewerClient, AgentSessionControl, agentFolder: String, viewerFolder: String) {
        let agentDownloads = try agentFolder ?? Self.downloads("agent-files")
        let viewerDownloads = try Self.downloads("viewer-files")
        let agent = try await fixture.startAgent(files: FileReceiving(folder: agentDownloads), onEvent: { control, event in
            if autoAccept, case .file(.offered(let offer)) = event { control.acceptFile(offer.id) }
        })
        let viewer = try await fixture.connectViewer(port: agent.localPort, encodings: [.tileDelta, .zrle],
                                                     files: FileReceiving(folder: viewerDownloads))
        try await fixture.waitUntilViewerMatchesScreen(viewer)
        try await fixture.waitFor("the agent's control") { !fixture.agentControls.all.isEmpty }
        let control = try XCTUnwrap(fixture.agentControls.all.first)
        return (agent, viewer, control, agentDownloads, viewerDownloads)
    }

    func testFilesArriveByteIdenticalInBothDirections() async throws {
        let fixture = try SessionFixture(width: 640, height: 480)
        defer { fixture.shutdown() }
        let (agent, viewer, control, agentFolder, viewerFolder) = try await start(fixture)
        var expectedAtAgent: [String] = [], expectedAtViewer: [String] = []
        for (index, size) in [0, 1, 64 << 20].enumerated() {
            // Viewer to agent (the agent accepts on its own).
            let up = try Self.randomFile(size, name: "up-\(index).bin")
            viewer.offerFile(try OutgoingFile.open(up))
            try await fixture.waitFor("the agent stores up-\(index).bin", timeout: 120) {
                Self.fileEvents(fixture.agentEvents.all).contains { if case .saved(_, let p) = $0 { return p.hasSuffix("/up-\(index).bin") }; return false }
            }
            try await fixture.waitFor("the viewer hears it was delivered") {
                Self.fileEvents(fixture.viewerEvents.all).filter { if case .delivered = $0 { return true }; return false }.count == index + 1
            }
            XCTAssertEqual(FileManager.default.contents(atPath: agentFolder + "/up-\(index).bin"), FileManager.default.contents(atPath: up),
                           "\(size) bytes arrive byte-identical at the agent")
            expectedAtAgent.append("up-\(index).bin")

            // Agent to viewer (the viewer's person accepts).
            let down = try Self.randomFile(size, name: "down-\(index).bin")
            control.offerFile(try OutgoingFile.open(down))
            try await fixture.waitFor("the viewer is offered down-\(index).bin") {
                Self.fileEvents(fixture.viewerEvents.all).contains { if case .offered(let o) = $0 { return o.name == "down-\(index).bin" }; return false }
            }
            let offer = try XCTUnwrap(Self.fileEvents(fixture.viewerEvents.all).compactMap { e -> FileOffer? in
                if case .offered(let o) = e, o.name == "down-\(index).bin" { return o }; return nil
            }.first)
            XCTAssertEqual(offer.size, Int64(size))
            viewer.acceptFile(offer.id)
            try await fixture.waitFor("the viewer stores down-\(index).bin", timeout: 120) {
                Self.fileEvents(fixture.viewerEvents.all).contains { if case .saved(_, let p) = $0 { return p.hasSuffix("/down-\(index).bin") }; return false }
            }
            XCTAssertEqual(FileManager.default.contents(atPath: viewerFolder + "/down-\(index).bin"), FileManager.default.contents(atPath: down),
                           "\(size) bytes arrive byte-identical at the viewer")
            expectedAtViewer.append("down-\(index).bin")
        }
        XCTAssertEqual(Self.entries(agentFolder), expectedAtAgent.sorted(), "no temporary file is left")
        XCTAssertEqual(Self.entries(viewerFolder), expectedAtViewer.sorted())
        for name in expectedAtViewer {
            let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: viewerFolder + "/" + name)[.posixPermissions] as? Int)
            XCTAssertEqual(mode, 0o600, "a received file is private")
        }
        XCTAssertTrue(viewer.channel.isActive, "the session goes on")
        viewer.end(reason: .userQuit, text: "alice ended the session")
        try await viewer.closed.get()
        await agent.close()
    }

    /// While 64 MiB go from the agent to the viewer, the screen keeps changing and updates keep
    /// arriving; at the end the picture is exact.
    func testThePictureKeepsMovingDuringABigTransfer() async throws {
        let fixture = try SessionFixture(width: 640, height: 480)
        defer { fixture.shutdown() }
        let (agent, viewer, control, _, viewerFolder) = try await start(fixture)
        let draw = try XCTUnwrap(XDrawing(displayName: fixture.xvfb.display))
        let path = try Self.randomFile(64 << 20, name: "big.bin")
        control.offerFile(try OutgoingFile.open(path))
        try await fixture.waitFor("the offer") {
            Self.fileEvents(fixture.viewerEvents.all).contains { if case .offered = $0 { return true }; return false }
        }
        guard case .offered(let offer)? = Self.fileEvents(fixture.viewerEvents.all).first(where: { if case .offered = $0 { return true }; return false })
        else { return XCTFail("no offer") }
        let framesBefore = fixture.viewerEvents.all.filter { if case .frame = $0 { return true }; return false }.count
        viewer.acceptFile(offer.id)
        var framesDuring = 0
        var step = 0
        while !Self.fileEvents(fixture.viewerEvents.all).contains(where: { if case .saved = $0 { return true }; return false }) {
            draw.fill(Rect(x: (step * 37) % 560, y: (step * 23) % 400, width: 80, height: 80), UInt32(0x203040 + step * 0x010203) & 0xFFFFFF)
            draw.sync()
            step += 1
            try await Task.sleep(for: .milliseconds(20))
            XCTAssertLessThan(step, 6000, "the transfer did not end within two minutes")
            if step >= 6000 { break }
        }
        framesDuring = fixture.viewerEvents.all.filter { if case .frame = $0 { return true }; return false }.count - framesBefore
        XCTAssertGreaterThan(step, 3, "the transfer lasted a few drawing steps")
        XCTAssertGreaterThanOrEqual(framesDuring, min(step / 4, 10), "updates kept arriving during the transfer (\(framesDuring) in \(step) steps)")
        try await fixture.waitUntilViewerMatchesScreen(viewer)
        XCTAssertEqual(FileManager.default.contents(atPath: viewerFolder + "/big.bin"), FileManager.default.contents(atPath: path))
        viewer.end(reason: .userQuit, text: "alice ended the session")
        try await viewer.closed.get()
        await agent.close()
    }

    /// 64 MiB each way at the same time: neither side stops reading for good (both arrive whole).
    func testBothWaysAtOnce() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let (agent, viewer, control, agentFolder, viewerFolder) = try await start(fixture)
        let up = try Self.randomFile(64 << 20, name: "up.bin"), down = try Self.randomFile(64 << 20, name: "down.bin")
        control.offerFile(try OutgoingFile.open(down))
        try await fixture.waitFor("the offer") {
            Self.fileEvents(fixture.viewerEvents.all).contains { if case .offered = $0 { return true }; return false }
        }
        guard case .offered(let offer)? = Self.fileEvents(fixture.viewerEvents.all).first(where: { if case .offered = $0 { return true }; return false })
        else { return XCTFail() }
        viewer.offerFile(try OutgoingFile.open(up))
        viewer.acceptFile(offer.id)
        try await fixture.waitFor("both files stored", timeout: 120) {
            Self.fileEvents(fixture.viewerEvents.all).contains { if case .saved = $0 { return true }; return false }
                && Self.fileEvents(fixture.agentEvents.all).contains { if case .saved = $0 { return true }; return false }
        }
        XCTAssertEqual(FileManager.default.contents(atPath: agentFolder + "/up.bin"), FileManager.default.contents(atPath: up))
        XCTAssertEqual(FileManager.default.contents(atPath: viewerFolder + "/down.bin"), FileManager.default.contents(atPath: down))
        viewer.end(reason: .userQuit, text: "alice ended the session")
        try await viewer.closed.get()
        await agent.close()
    }

    func testDeclineLeavesNothingAndTellsTheSender() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let (agent, viewer, control, _, viewerFolder) = try await start(fixture)
        control.offerFile(try OutgoingFile.open(try Self.randomFile(100_000, name: "report.log")))
        try await fixture.waitFor("the offer") {
            Self.fileEvents(fixture.viewerEvents.all).contains { if case .offered = $0 { return true }; return false }
        }
        guard case .offered(let offer)? = Self.fileEvents(fixture.viewerEvents.all).first else { return XCTFail() }
        XCTAssertEqual(offer.mediaType, "text/plain")
        viewer.declineFile(offer.id, reason: "alice does not want it")
        try await fixture.waitFor("the agent hears the decline") {
            Self.fileEvents(fixture.agentEvents.all).contains(.declined(id: offer.id, reason: "alice does not want it"))
        }
        XCTAssertEqual(Self.entries(viewerFolder), [], "nothing was written")
        viewer.end(reason: .userQuit, text: "alice ended the session")
        try await viewer.closed.get()
        await agent.close()
    }

    /// Cancel half-way, by the sender and by the receiver, in both directions: nothing is kept, both
    /// sides are told, the session goes on and the next file arrives.
    func testCancelMidwayFromEachSideLeavesNothing() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let (agent, viewer, control, agentFolder, viewerFolder) = try await start(fixture)
        let size = 64 << 20
        // 1. The viewer sends, the viewer cancels; 2. the viewer sends, the agent (receiver) cancels.
        for (round, receiverCancels) in [false, true].enumerated() {
            viewer.offerFile(try OutgoingFile.open(try Self.randomFile(size, name: "up-\(round).bin")))
            // The viewer's offers are numbered 1, 2, …: wait for bytes of this one.
            let id = UInt32(round + 1)
            try await fixture.waitFor("bytes reach the agent", timeout: 30) {
                Self.fileEvents(fixture.agentEvents.all).contains { if case .progress(.receiving, id, let b, _) = $0 { return b > 0 }; return false }
            }
            let stopped = receiverCancels ? await control.cancelFiles(reason: "bob cancelled") : await viewer.cancelFiles(reason: "alice cancelled")
            XCTAssertEqual(stopped, 1)
            try await fixture.waitFor("both sides hear of it") {
                Self.fileEvents(fixture.agentEvents.all).filter { if case .cancelled(.receiving, _, _, _) = $0 { return true }; return false }.count == round + 1
                    && Self.fileEvents(fixture.viewerEvents.all).filter { if case .cancelled(.sending, _, _, _) = $0 { return true }; return false }.count == round + 1
            }
            let viewerSide = Self.fileEvents(fixture.viewerEvents.all).filter { if case .cancelled = $0 { return true }; return false }.last
            if case .cancelled(_, _, let byPeer, let reason)? = viewerSide {
                XCTAssertEqual(byPeer, receiverCancels)
                XCTAssertEqual(reason, receiverCancels ? "bob cancelled" : "alice cancelled")
            }
            XCTAssertFalse(Self.fileEvents(fixture.agentEvents.all).contains { if case .saved = $0 { return true }; return false })
            XCTAssertEqual(Self.entries(agentFolder), [], "nothing kept after cancel")
        }
        // 3./4. The agent sends; the agent cancels, then the viewer (receiver) cancels.
        for (round, receiverCancels) in [false, true].enumerated() {
            control.offerFile(try OutgoingFile.open(try Self.randomFile(size, name: "down-\(round).bin")))
            try await fixture.waitFor("the offer") {
                Self.fileEvents(fixture.viewerEvents.all).filter { if case .offered = $0 { return true }; return false }.count == round + 1
            }
            guard case .offered(let offer)? = Self.fileEvents(fixture.viewerEvents.all).filter({ if case .offered = $0 { return true }; return false }).last
            else { return XCTFail() }
            viewer.acceptFile(offer.id)
            try await fixture.waitFor("bytes reach the viewer", timeout: 30) {
                Self.fileEvents(fixture.viewerEvents.all).contains { if case .progress(.receiving, offer.id, let b, _) = $0 { return b > 0 }; return false }
            }
            let stopped = receiverCancels ? await viewer.cancelFiles(reason: "alice cancelled") : await control.cancelFiles(reason: "bob cancelled")
            XCTAssertEqual(stopped, 1)
            try await fixture.waitFor("both sides hear of it") {
                Self.fileEvents(fixture.viewerEvents.all).contains { if case .cancelled(.receiving, offer.id, _, _) = $0 { return true }; return false }
                    && Self.fileEvents(fixture.agentEvents.all).contains { if case .cancelled(.sending, offer.id, _, _) = $0 { return true }; return false }
            }
            XCTAssertEqual(Self.entries(viewerFolder), [], "nothing kept after cancel")
        }
        // The session goes on: a small file still arrives.
        viewer.offerFile(try OutgoingFile.open(try Self.randomFile(1000, name: "after.txt")))
        try await fixture.waitFor("the next file") {
            Self.fileEvents(fixture.agentEvents.all).contains { if case .saved = $0 { return true }; return false }
        }
        XCTAssertEqual(Self.entries(agentFolder), ["after.txt"])
        XCTAssertEqual(Self.entries(viewerFolder), [])
        XCTAssertTrue(viewer.channel.isActive)
        viewer.end(reason: .userQuit, text: "alice ended the session")
        try await viewer.closed.get()
        await agent.close()
    }

    /// Hostile names land inside the folder under a safe name; an existing file is never overwritten;
    /// a symbolic link planted at the target name is not followed.
    func testHostileNamesLandSafelyInsideTheFolder() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let (agent, viewer, control, _, viewerFolder) = try await start(fixture)
        let outside = try makeTemporaryDirectory("outside").path
        // A link planted at the name "passwd" pointing outside: it must stay as it is.
        try FileManager.default.createSymbolicLink(atPath: viewerFolder + "/passwd", withDestinationPath: outside + "/victim")
        try Data("mine".utf8).write(to: URL(fileURLWithPath: viewerFolder + "/report.log"))
        let names = ["../../.bashrc", "/etc/passwd", "a/b", "evil\u{1B}[2J\u{202E}gol.txt", "report.log",
                     String(repeating: "n", count: 4090) + ".txt"]
        // The agent's own file names come from its paths; hostile names are made here by offering files
        // through a link whose book names them, so the wire carries them exactly.
        for (index, name) in names.enumerated() {
            let source = try Self.randomFile(100 + index, name: "source-\(index)")
            let file = try OutgoingFile.open(source)
            control.offerFile(file.renamed(name))
            try await fixture.waitFor("offer \(index)") {
                Self.fileEvents(fixture.viewerEvents.all).filter { if case .offered = $0 { return true }; return false }.count == index + 1
            }
            guard case .offered(let offer)? = Self.fileEvents(fixture.viewerEvents.all).filter({ if case .offered = $0 { return true }; return false }).last
            else { return XCTFail() }
            XCTAssertEqual(offer.name, name, "the wire carries the name as offered")
            viewer.acceptFile(offer.id)
            try await fixture.waitFor("file \(index) stored") {
                Self.fileEvents(fixture.viewerEvents.all).filter { if case .saved = $0 { return true }; return false }.count == index + 1
            }
        }
        let saved = Self.fileEvents(fixture.viewerEvents.all).compactMap { e -> String? in if case .saved(_, let p) = e { return p }; return nil }
        for path in saved {
            XCTAssertEqual((path as NSString).deletingLastPathComponent, viewerFolder, "\(path) is inside the folder")
            XCTAssertLessThanOrEqual((path as NSString).lastPathComponent.utf8.count, 255)
        }
        XCTAssertEqual(saved.map { ($0 as NSString).lastPathComponent }.prefix(5),
                       ["bashrc", "passwd (2)", "b", "evil[2Jgol.txt", "report (2).log"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: outside + "/victim"), "the planted link was not followed")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: viewerFolder + "/passwd"), outside + "/victim")
        XCTAssertEqual(FileManager.default.contents(atPath: viewerFolder + "/report.log"), Data("mine".utf8), "not overwritten")
        XCTAssertFalse(FileManager.default.fileExists(atPath: NSHomeDirectory() + "/.bashrc-from-test"))
        viewer.end(reason: .userQuit, text: "alice ended the session")
        try await viewer.closed.get()
        await agent.close()
    }

    /// Offers over the size limit or the free space are declined without asking, with the reason.
    func testOversizeOffersAreDeclinedWithoutAsking() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let agentDownloads = try Self.downloads("agent-files")
        let agent = try await fixture.startAgent(files: FileReceiving(folder: agentDownloads, maxFileSize: 1000))
        let viewer = try await fixture.connectViewer(port: agent.localPort, encodings: [.zrle],
                                                     files: FileReceiving(folder: try Self.downloads("viewer-files")))
        try await fixture.waitUntilViewerMatchesScreen(viewer)
        viewer.offerFile(try OutgoingFile.open(try Self.randomFile(1001, name: "big.bin")))
        try await fixture.waitFor("the decline") {
            Self.fileEvents(fixture.viewerEvents.all).contains { if case .declined(_, let r) = $0 { return r.contains("larger than the limit of 1 kB") }; return false }
        }
        try await fixture.waitFor("the agent's own note of it") {
            Self.fileEvents(fixture.agentEvents.all).contains { if case .refused = $0 { return true }; return false }
        }
        XCTAssertFalse(Self.fileEvents(fixture.agentEvents.all).contains { if case .offered = $0 { return true }; return false },
                       "the person is not asked")
        XCTAssertEqual(Self.entries(agentDownloads), [])
        viewer.end(reason: .userQuit, text: "alice ended the session")
        try await viewer.closed.get()
        await agent.close()
    }
}
