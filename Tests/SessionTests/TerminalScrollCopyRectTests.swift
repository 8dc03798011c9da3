import Agent
import NIOCore
import Pixels
import RFBProtocol
import Viewer
import XCTest

/// Issue #16: a terminal printing a build log fast scrolls by a few lines per update; every such update
/// must carry at most 2 CopyRects (one scrolled area is one copy) and leave a ZRLE viewer pixel-exact.
final class TerminalScrollCopyRectTests: XCTestCase {
    static let width = 1280, height = 800

    /// Wallpaper-like noise with a terminal (200x52 cells of 6x13, 2-pixel border) at the top left showing
    /// lines `first...`: ragged lengths, some empty.
    func frame(first: Int) -> Framebuffer {
        var fb = Framebuffer(width: Self.width, height: Self.height)
        for y in 0..<Self.height {
            for x in 0..<Self.width { fb[x, y] = UInt32(truncatingIfNeeded: (x &* 2654435761) ^ (y &* 40503)) & 0xFFFFFF }
        }
        fb.fill(Rect(x: 0, y: 0, width: 1204, height: 52 * 13 + 4), with: 0xFFFFFF)
        for line in 0..<52 {
            let n = first + line
            var seed = UInt64(n) &* 0x9E37_79B9_7F4A_7C15 | 1
            seed ^= seed >> 29
            let length = n % 7 == 3 ? 0 : 20 + Int(seed % 168)
            for c in 0..<length {
                seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
                if seed % 9 == 0 { continue }
                for gy in 2..<11 {
                    for gx in 0..<5 where (seed >> UInt64((gy * 5 + gx) % 60)) & 1 == 1 {
                        fb[2 + c * 6 + gx, 2 + line * 13 + gy] = 0x000000
                    }
                }
            }
        }
        return fb
    }

    func testBuildLogScrollIsAtMostTwoCopyRectsPerUpdateAndExact() throws {
        let builder = UpdateBuilder(width: Self.width, height: Self.height)
        let settings = UpdateSettings(encodings: [RFBEncoding.copyRect, RFBEncoding.zrle, RFBEncoding.raw], format: .native)
        var session = ClientSession(serverInit: ServerInit(width: Self.width, height: Self.height, pixelFormat: .native, name: "t"))
        _ = try session.setEncodings([RFBEncoding.copyRect, RFBEncoding.zrle, RFBEncoding.raw])
        let assembler = FrameAssembler(width: Self.width, height: Self.height)
        let all = Rect(x: 0, y: 0, width: Self.width, height: Self.height)
        // Batches of 5 lines, sometimes two or three gathered into one update (10, 15 lines).
        var first = 0
        for (n, lines) in [0, 5, 5, 10, 5, 15, 5, 10, 5].enumerated() {
            first += lines
            let live = frame(first: first)
            guard var update = try builder.build(live: live, damage: [all], area: all, incremental: n > 0,
                                                 settings: settings) else { continue }
            var copies = 0, found: [Rect] = []
            for event in try session.receive(&update) {
                guard case .rectangle(let r) = event else { continue }
                if r.header.encoding == RFBEncoding.copyRect { copies += 1; found.append(r.header.rect) }
                try assembler.apply(r, format: .native)
            }
            if n > 0 {
                XCTAssertGreaterThanOrEqual(copies, 1, "update \(n) (\(lines) lines): the scroll is a copy")
                XCTAssertLessThanOrEqual(copies, 2, "update \(n) (\(lines) lines): \(copies) CopyRects \(found)")
            }
            XCTAssertTrue(assembler.framebuffer == live, "update \(n): the viewer's picture is not the screen")
            XCTAssertTrue(builder.viewerFramebuffer == live, "update \(n): the builder's picture of the viewer is wrong")
        }
    }
}
