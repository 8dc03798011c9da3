import Agent
import NIOCore
import Pixels
import RFBProtocol
@testable import Viewer
import XCTest

/// Tile-delta payload version 2 is sent only to a viewer that lists the "RAT2" pseudo-encoding, version 3
/// only to one that lists "RAT3"; a viewer that lists only tile-delta (one written before version 2) keeps
/// getting version 1, and one that lists RAT2 but not RAT3 gets version 2.
final class TileDeltaVersionTests: XCTestCase {
    static let width = 200, height = 130

    /// Smooth colour on the left, smooth grey on the right (predicted and grey tiles), changing with `n`.
    func frame(_ n: Int) -> Framebuffer {
        var fb = Framebuffer(width: Self.width, height: Self.height)
        for y in 0..<Self.height {
            for x in 0..<Self.width {
                let v = UInt32((x * 3 + y * 2 + n * 5) & 0xFF)
                fb[x, y] = x < 100 ? v << 16 | UInt32((y * 3 + n) & 0xFF) << 8 | UInt32((x + y) & 0xFF) : v &* 0x01_0101
            }
        }
        return fb
    }

    /// Agent side as the agent builds it from the list, viewer side as the viewer decodes it: the versions
    /// the viewer saw, and whether every picture arrived exactly.
    func session(listing encodings: [Int32]) throws -> [UInt8] {
        let builder = UpdateBuilder(width: Self.width, height: Self.height)
        let settings = UpdateSettings(encodings: encodings, format: .native)
        XCTAssertEqual(settings.encoding, RFBEncoding.tileDelta)
        var session = ClientSession(serverInit: ServerInit(width: Self.width, height: Self.height, pixelFormat: .native, name: "t"))
        _ = try session.setEncodings(encodings)
        let assembler = FrameAssembler(width: Self.width, height: Self.height)
        let all = Rect(x: 0, y: 0, width: Self.width, height: Self.height)
        var versions: [UInt8] = []
        for n in 0..<3 {
            let live = frame(n)
            guard var update = try builder.build(live: live, damage: [all], area: all, incremental: n > 0,
                                                 settings: settings) else { XCTFail("update \(n): nothing sent"); continue }
            for event in try session.receive(&update) {
                if case .rectangle(let r) = event { try assembler.apply(r, format: .native) }
            }
            versions.append(assembler.tileDeltaVersion)
            XCTAssertTrue(assembler.framebuffer == live, "update \(n): the viewer's picture differs from the screen")
        }
        return versions
    }

    func testViewerWithoutRAT2GetsVersionOne() throws {
        let list = [RFBEncoding.copyRect, RFBEncoding.tileDelta, RFBEncoding.zrle, RFBEncoding.raw]
        XCTAssertEqual(UpdateSettings(encodings: list, format: .native).tileDeltaVersion, 1)
        XCTAssertEqual(try session(listing: list), [1, 1, 1])
    }

    func testViewerListingRAT2GetsVersionTwo() throws {
        let list = [RFBEncoding.copyRect, RFBEncoding.tileDelta, RFBEncoding.zrle, RFBEncoding.raw, RFBEncoding.tileDeltaVersion2]
        XCTAssertEqual(UpdateSettings(encodings: list, format: .native).tileDeltaVersion, 2)
        XCTAssertEqual(try session(listing: list), [2, 2, 2])
    }

    func testViewerListingRAT3GetsVersionThree() throws {
        let list = [RFBEncoding.copyRect, RFBEncoding.tileDelta, RFBEncoding.zrle, RFBEncoding.raw,
                    RFBEncoding.tileDeltaVersion2, RFBEncoding.tileDeltaVersion3]
        XCTAssertEqual(UpdateSettings(encodings: list, format: .native).tileDeltaVersion, 3)
        XCTAssertEqual(try session(listing: list), [3, 3, 3])
    }

    func testOurViewerListsRAT3AndRAT2OnlyWithTileDelta() {
        let withTD = ViewerConfiguration(tls: nil, encodings: [.tileDelta, .zrle]).encodingList
        XCTAssertTrue(withTD.contains(RFBEncoding.tileDeltaVersion2))
        XCTAssertTrue(withTD.contains(RFBEncoding.tileDeltaVersion3))
        XCTAssertEqual(UpdateSettings(encodings: withTD, format: .native).tileDeltaVersion, 3)
        let zrleOnly = ViewerConfiguration(tls: nil, encodings: [.zrle]).encodingList
        XCTAssertFalse(zrleOnly.contains(RFBEncoding.tileDeltaVersion2) || zrleOnly.contains(RFBEncoding.tileDeltaVersion3))
    }
}
