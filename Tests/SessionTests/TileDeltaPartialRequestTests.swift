import Agent
import NIOCore
import Pixels
import RFBProtocol
import Viewer
import XCTest

/// Found by fuzz-server-protocol (Fuzz/, `bash .ci/fuzz`; crash-cdf343f3, one of its seeds): with
/// tile-delta, a request for less than whole 64x64 tiles is answered with whole tiles, but the update
/// builder recorded only the requested area as sent. Its picture of the viewer then went stale around
/// the area, later XOR / row-mask tiles were computed against the wrong pixels, and the viewer showed
/// wrong pixels inside the areas it asked for.
final class TileDeltaPartialRequestTests: XCTestCase {
    static let width = 128, height = 96

    /// A picture that changes everywhere between `n` values.
    func frame(_ n: Int) -> Framebuffer {
        var fb = Framebuffer(width: Self.width, height: Self.height)
        for y in 0..<Self.height {
            for x in 0..<Self.width { fb[x, y] = UInt32(truncatingIfNeeded: (x * 2 + n * 37) << 16 | (y * 2) << 8 | (x ^ y ^ n) & 0xFF) & 0xFF_FFFF }
        }
        fb.fill(Rect(x: 7 * n, y: 5 * n, width: 24, height: 16), with: 0xC0_3050)
        return fb
    }

    func testPartialRequestsKeepTheViewersPictureExact() throws {
        let builder = UpdateBuilder(width: Self.width, height: Self.height)
        let settings = UpdateSettings(encoding: RFBEncoding.tileDelta, format: .native)
        var session = ClientSession(serverInit: ServerInit(width: Self.width, height: Self.height, pixelFormat: .native, name: "t"))
        _ = try session.setEncodings([RFBEncoding.tileDelta])
        let assembler = FrameAssembler(width: Self.width, height: Self.height)
        let all = Rect(x: 0, y: 0, width: Self.width, height: Self.height)
        let requests: [(Rect, Bool)] = [
            (all, false), (all, true), (Rect(x: 10, y: 5, width: 70, height: 60), true),
            (Rect(x: 64, y: 0, width: 64, height: 96), false), (Rect(x: 3, y: 70, width: 100, height: 20), true), (all, true),
        ]
        for (n, (area, incremental)) in requests.enumerated() {
            let live = frame(n)
            guard var update = try builder.build(live: live, damage: [all], area: area, incremental: incremental,
                                                 settings: settings) else { continue }
            for event in try session.receive(&update) {
                if case .rectangle(let r) = event { try assembler.apply(r, format: .native) }
            }
            XCTAssertTrue(assembler.framebuffer == builder.viewerFramebuffer, "update \(n): the builder's picture of the viewer is wrong")
            for y in area.y..<area.maxY {
                for x in area.x..<area.maxX where assembler.framebuffer[x, y] != live[x, y] {
                    return XCTFail("update \(n) (\(area), incremental \(incremental)): pixel \(x),\(y) differs")
                }
            }
        }
    }
}
