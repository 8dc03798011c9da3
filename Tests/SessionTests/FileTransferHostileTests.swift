import Agent
import Foundation
import NIOCore
import Pixels
import RFBProtocol
import RFBTransport
import TestSupport
import Viewer
import XCTest

/// A viewer written byte by byte (security None on 127.0.0.1) that speaks our file transfer and lies:
/// wrong size, wrong hash, data for an unknown id, past the size, after its own cancel. Each time the
/// agent ends the session with the reason and keeps nothing. Also: the disk filling up mid-transfer.
final class FileTransferHostileTests: XCTestCase {
    /// The hostile viewer: handshake, SetEncodings with RAFT, one update read until the confirmation.
    final class RawFileViewer {
        let socket: RawSocket
        var session: ClientSession
        var input = ByteBuffer()

        init(port: Int) throws {
            socket = try RawSocket(port: port)
            let size = try RawRFBClient.handshakeNone(socket)
            session = ClientSession(serverInit: ServerInit(width: size.width, height: size.height, pixelFormat: .native, name: ""))
            try socket.write(Array(try session.setEncodings([RFBEncoding.raw, RFBEncoding.sessionEnd, RFBEncoding.fileTransfer]).readableBytesView))
            try socket.write(RawRFBClient.updateRequest(incremental: false, width: size.width, height: size.height))
            _ = try next { $0 == .fileTransferConfirmed }
        }

        /// Reads until an event matches; nil when the connection closed first.
        func next(_ match: (ClientSession.Event) -> Bool) throws -> ClientSession.Event? {
            while true {
                for event in try session.receive(&input) where match(event) { return event }
                let bytes = try socket.readSome()
                if bytes.isEmpty { return nil }
                input.writeBytes(bytes)
            }
        }

        func send(_ message: FileTransfer) throws {
            try socket.write(Array(try ClientMessage.fileTransfer(message).serialized().readableBytesView))
        }

        /// The SessionEnd the agent sent before closing (nil when it just closed).
        func sessionEnd() throws -> SessionEnd? {
            let event = try next { if case .peerEndedSession = $0 { return true }; return false }
            if case .peerEndedSession(let end)? = event { return end }
            return nil
        }
    }

    static func sha(_ bytes: [UInt8]) -> [UInt8] {
        // SHA-256 through the same code path the sender uses: an OutgoingFile of these bytes.
        guard let folder = try? makeTemporaryDirectory("sha").path else { return [] }
        let file = folder + "/x"
        guard (try? Data(bytes).write(to: URL(fileURLWithPath: file))) != nil, let opened = try? OutgoingFile.open(file) else { return [] }
        opened.close()
        return opened.sha256
    }

    func agent(_ fixture: SessionFixture, downloads: String) async throws -> AgentServer {
        try await fixture.startAgent(allowNone: true, files: FileReceiving(folder: downloads), onEvent: { control, event in
            if case .file(.offered(let offer)) = event { control.acceptFile(offer.id) }
        })
    }

    func testLiarsAreDisconnectedWithAReasonAndNothingIsKept() async throws {
        let fixture = try SessionFixture(width: 64, height: 48)
        defer { fixture.shutdown() }
        let downloads = try FileTransferSessionTests.downloads("hostile")
        let server = try await agent(fixture, downloads: downloads)
        let five: [UInt8] = [1, 2, 3, 4, 5]
        let cases: [(name: String, reason: String, play: (RawFileViewer) throws -> Void)] = [
            ("size", "transfer 1 ended after 5 of the 10 bytes offered", { v in
                try v.send(.offer(FileOffer(id: 1, name: "a.bin", size: 10, sha256: Self.sha(five))))
                _ = try v.next { $0 == .fileTransfer(.accept(id: 1)) }
                try v.send(.data(id: 1, bytes: ByteBuffer(bytes: five)))
                try v.send(.done(id: 1))
            }),
            ("hash", "lied about the hash of \"a.bin\"", { v in
                try v.send(.offer(FileOffer(id: 1, name: "a.bin", size: 5, sha256: Self.sha([9, 9, 9, 9, 9]))))
                _ = try v.next { $0 == .fileTransfer(.accept(id: 1)) }
                try v.send(.data(id: 1, bytes: ByteBuffer(bytes: five)))
                try v.send(.done(id: 1))
            }),
            ("unknown id", "file data for unknown transfer 7", { v in
                try v.send(.data(id: 7, bytes: ByteBuffer(bytes: five)))
            }),
            ("past the size", "file data past the offered size of transfer 1 (6 of 5 bytes)", { v in
                try v.send(.offer(FileOffer(id: 1, name: "a.bin", size: 5, sha256: Self.sha(five))))
                _ = try v.next { $0 == .fileTransfer(.accept(id: 1)) }
                try v.send(.data(id: 1, bytes: ByteBuffer(bytes: [1, 2, 3])))
                try v.send(.data(id: 1, bytes: ByteBuffer(bytes: [4, 5, 6])))
            }),
            ("after cancel", "file data for unknown transfer 1 (closed)", { v in
                try v.send(.offer(FileOffer(id: 1, name: "a.bin", size: 5, sha256: Self.sha(five))))
                _ = try v.next { $0 == .fileTransfer(.accept(id: 1)) }
                try v.send(.data(id: 1, bytes: ByteBuffer(bytes: [1, 2])))
                try v.send(.cancel(id: 1, reason: "changed my mind"))
                try v.send(.data(id: 1, bytes: ByteBuffer(bytes: [3])))
            }),
        ]
        for (index, hostile) in cases.enumerated() {
            let viewer = try RawFileViewer(port: server.localPort)
            try hostile.play(viewer)
            let end = try viewer.sessionEnd()
            XCTAssertEqual(end?.reason, .error, hostile.name)
            XCTAssertTrue(end?.text.contains(hostile.reason) ?? false, "\(hostile.name): the peer is told why: \(String(describing: end))")
            try await fixture.waitFor("the agent's end of \(hostile.name)") {
                fixture.agentEvents.all.filter { if case .ended(false, let r) = $0 { return r.contains(hostile.reason) }; return false }.count == 1
            }
            let ends = fixture.agentEvents.all.filter { if case .ended = $0 { return true }; return false }
            XCTAssertEqual(ends.count, index + 1)
            if case .ended(_, let reason)? = ends.last {
                XCTAssertTrue(reason.hasPrefix("the other side broke the file-transfer rules:"), reason)
            }
            XCTAssertEqual(FileTransferSessionTests.entries(downloads), [], "\(hostile.name): nothing kept")
        }
        await server.close()
    }

    /// The downloads folder is a 2 MiB tmpfs: the offer fits when it is accepted, then the disk fills
    /// up; the transfer stops with the reason (the sender is told), nothing is kept, the session goes on.
    func testDiskFullMidTransfer() async throws {
        let mountPoint = try makeTemporaryDirectory("tmpfs").path
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mountPoint]
        mount.standardError = FileHandle.nullDevice
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else { throw XCTSkip("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)") }
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [mountPoint]
            try? umount.run()
            umount.waitUntilExit()
        }
        let downloads = try PrivateFolder.prepare(mountPoint, purpose: "test downloads")
        let fixture = try SessionFixture(width: 64, height: 48)
        defer { fixture.shutdown() }
        let server = try await agent(fixture, downloads: downloads)
        let viewer = try RawFileViewer(port: server.localPort)
        // More than the free space: declined without asking, with the reason.
        try viewer.send(.offer(FileOffer(id: 9, name: "huge.bin", size: 3 << 20, sha256: Self.sha([1]))))
        guard case .fileTransfer(.decline(9, let tooBig))? = try viewer.next({ if case .fileTransfer(.decline) = $0 { return true }; return false })
        else { return XCTFail("no decline for an offer larger than the free space") }
        XCTAssertTrue(tooBig.contains("not enough free space for 3.1 MB"), tooBig)
        let size = 1536 << 10
        let bytes = [UInt8](repeating: 0xA5, count: size)
        try viewer.send(.offer(FileOffer(id: 10, name: "log.txt", size: Int64(size), sha256: Self.sha(bytes))))
        _ = try viewer.next { $0 == .fileTransfer(.accept(id: 10)) }
        try viewer.send(.data(id: 10, bytes: ByteBuffer(bytes: bytes[0..<65_536])))
        try await fixture.waitFor("the first bytes written") {
            FileTransferSessionTests.fileEvents(fixture.agentEvents.all).contains { if case .progress(.receiving, 10, let b, _) = $0 { return b > 0 }; return false }
        }
        // Someone else fills the disk meanwhile.
        _ = FileManager.default.createFile(atPath: mountPoint + "/.filler", contents: nil)
        let filler = FileHandle(forWritingAtPath: mountPoint + "/.filler")
        let block = Data(repeating: 0, count: 64 << 10)
        while (try? filler?.write(contentsOf: block)) != nil {}
        try? filler?.close()
        var offset = 65_536
        var abort: FileTransfer?
        while offset < size, abort == nil {
            try viewer.send(.data(id: 10, bytes: ByteBuffer(bytes: bytes[offset..<offset + 65_536])))
            offset += 65_536
            if offset % (256 << 10) == 0 {
                // Acks come every 128 KiB; an Abort ends the loop.
                if case .fileTransfer(let m)? = try viewer.next({ if case .fileTransfer(.ack) = $0 { return true }; if case .fileTransfer(.abort) = $0 { return true }; return false }),
                   case .abort = m { abort = m }
            }
        }
        if abort == nil {
            try viewer.send(.done(id: 10))
            if case .fileTransfer(let m)? = try viewer.next({ if case .fileTransfer(.abort) = $0 { return true }; return false }) { abort = m }
        }
        guard case .abort(10, let reason)? = abort else { return XCTFail("no Abort: \(String(describing: abort))") }
        XCTAssertTrue(reason.contains("No space left on device"), reason)
        // The Abort is answered with a Cancel (ending the drain); the session is still up.
        try viewer.send(.cancel(id: 10, reason: "stopped"))
        try FileManager.default.removeItem(atPath: mountPoint + "/.filler")
        try await fixture.waitFor("the agent reports the failure") {
            FileTransferSessionTests.fileEvents(fixture.agentEvents.all).contains { if case .failed(.receiving, 10, let r) = $0 { return r.contains("No space left") }; return false }
        }
        XCTAssertEqual(FileTransferSessionTests.entries(downloads), [], "nothing kept")
        XCTAssertFalse(fixture.agentEvents.all.contains { if case .ended = $0 { return true }; return false }, "the session goes on")
        // A small file still arrives in the same session.
        try viewer.send(.offer(FileOffer(id: 11, name: "small.txt", size: 5, sha256: Self.sha([1, 2, 3, 4, 5]))))
        _ = try viewer.next { $0 == .fileTransfer(.accept(id: 11)) }
        try viewer.send(.data(id: 11, bytes: ByteBuffer(bytes: [1, 2, 3, 4, 5])))
        try viewer.send(.done(id: 11))
        _ = try viewer.next { $0 == .fileTransfer(.received(id: 11)) }
        XCTAssertEqual(FileTransferSessionTests.entries(downloads), ["small.txt"])
        await server.close()
    }
}

/// An agent written byte by byte that lies to our viewer about a file it offers: the viewer ends the
/// session with the reason and keeps nothing.
final class FileTransferHostileAgentTests: XCTestCase {
    /// Reads the viewer's messages until `match` (SetPixelFormat, SetEncodings, requests pass by).
    static func next(_ agent: RawSocket, _ inbox: inout ByteBuffer, _ match: (ClientMessage) -> Bool) throws -> ClientMessage? {
        while true {
            while let message = try ClientMessage.read(from: &inbox) { if match(message) { return message } }
            let bytes = try agent.readSome()
            if bytes.isEmpty { return nil }
            inbox.writeBytes(bytes)
        }
    }

    func testLyingAgentsAreLeftWithTheReasonAndNothingIsKept() async throws {
        let fixture = try SessionFixture(width: 64, height: 48)
        defer { fixture.shutdown() }
        let downloads = try FileTransferSessionTests.downloads("hostile-agent")
        let five: [UInt8] = [1, 2, 3, 4, 5]
        let cases: [(name: String, reason: String, offer: FileOffer, data: [[UInt8]])] = [
            ("hash", "lied about the hash of \"a.bin\"", FileOffer(id: 1, name: "a.bin", size: 5, sha256: FileTransferHostileTests.sha([5, 4, 3, 2, 1])), [five]),
            ("past the size", "past the offered size of transfer 1 (8 of 5 bytes)", FileOffer(id: 1, name: "a.bin", size: 5, sha256: FileTransferHostileTests.sha(five)), [[1, 2, 3, 4], [5, 6, 7, 8]]),
        ]
        for (index, hostile) in cases.enumerated() {
            let listener = try RawListener()
            defer { listener.close() }
            async let connecting = fixture.connectViewer(port: listener.port, encodings: [.raw], trustAgent: false, useIdentity: false,
                                                         allowNone: true, files: FileReceiving(folder: downloads))
            let agent = try listener.accept(timeoutSeconds: 20)
            try RawRFBAgent.handshakeNone(agent, width: 64, height: 48, name: Array("liar".utf8))
            let viewer = try await connecting
            var inbox = ByteBuffer()
            _ = try Self.next(agent, &inbox) { if case .setEncodings(let list) = $0 { return list.contains(RFBEncoding.fileTransfer) }; return false }
            // An update with only the confirmation, then the offer.
            var update = try ServerMessage.framebufferUpdate(rectangleCount: 1).serialized()
            update.writeBytes([0, 0, 0, 0, 0, 0, 0, 0] + RawRFBClient.u32(UInt32(bitPattern: RFBEncoding.fileTransfer)))
            try ServerMessage.fileTransfer(.offer(hostile.offer)).write(into: &update)
            try agent.write(Array(update.readableBytesView))
            try await fixture.waitFor("the offer of case \(hostile.name)") {
                FileTransferSessionTests.fileEvents(fixture.viewerEvents.all).filter { if case .offered = $0 { return true }; return false }.count == index + 1
            }
            viewer.acceptFile(1)
            XCTAssertNotNil(try Self.next(agent, &inbox) { $0 == .fileTransfer(.accept(id: 1)) })
            var lies = ByteBuffer()
            for chunk in hostile.data { try ServerMessage.fileTransfer(.data(id: 1, bytes: ByteBuffer(bytes: chunk))).write(into: &lies) }
            try ServerMessage.fileTransfer(.done(id: 1)).write(into: &lies)
            try agent.write(Array(lies.readableBytesView))
            _ = try agent.readToEnd()   // the viewer closes
            try await viewer.closed.get()
            try await fixture.waitFor("the viewer's end of \(hostile.name)") {
                fixture.viewerEvents.all.contains { if case .ended(false, let r) = $0 { return r.contains(hostile.reason) }; return false }
            }
            let end = fixture.viewerEvents.all.compactMap { e -> String? in if case .ended(_, let r) = e { return r }; return nil }.last ?? ""
            XCTAssertTrue(end.hasPrefix("the other side broke the file-transfer rules:"), end)
            XCTAssertEqual(FileTransferSessionTests.entries(downloads), [], "\(hostile.name): nothing kept")
        }
    }
}
