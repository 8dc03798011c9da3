import Foundation
import TestSupport
import XCTest

/// What the TigerVNC tests set up: the requester's screen (800x600) with known content, the viewer's
/// own screen, a work folder with a certificate for 127.0.0.1, and vncviewer's command line (VeNCrypt
/// X509Plain, the certificate as its CA, no TLS tickets: see `TigerVNCViewerTests`).
final class TigerVNCStage {
    let width = 800, height = 600
    let screen: XvfbServer
    let viewerScreen: XvfbServer
    let work: URL
    let certificate: String
    let key: String

    /// nil (after an XCTFail) when the certificate cannot be made.
    init?(_ name: String) throws {
        screen = try XvfbServer(width: width, height: height)
        viewerScreen = try XvfbServer(width: 1024, height: 768)
        work = try makeTemporaryDirectory(name)
        guard let (certificate, key) = try InteropTools.makeLoopbackCertificate(in: work) else {
            screen.stop(); viewerScreen.stop(); try? FileManager.default.removeItem(at: work)
            return nil
        }
        self.certificate = certificate
        self.key = key
    }

    /// A drawing connection to the requester's screen, with the known content drawn. The caller holds
    /// it, and lets it go before `stop()` (Xlib exits the process when its server vanishes under it).
    func drawKnownScreen() throws -> XDrawing {
        let draw = try XCTUnwrap(XDrawing(displayName: screen.display))
        drawKnownContent(draw, width: width, height: height)
        return draw
    }

    /// Starts vncviewer on the viewer's screen against 127.0.0.1:`port`; `environment` adds to DISPLAY
    /// and HOME (e.g. VNC_USERNAME/VNC_PASSWORD to skip the password dialog).
    func startViewer(_ vncviewer: String, port: Int, environment: [String: String] = [:]) throws -> ChildProcess {
        let home = work.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        return try ChildProcess(vncviewer, [
            "-SecurityTypes", "X509Plain", "-X509CA", certificate, "-GnuTLSPriority", "NORMAL:%NO_TICKETS",
            "-AutoSelect=0", "-FullColor", "-PreferredEncoding=ZRLE", "-geometry", "\(width)x\(height)+0+0",
            "-RemoteResize=0", "127.0.0.1::\(port)",
        ], environment: ["DISPLAY": viewerScreen.display, "HOME": home.path].merging(environment) { $1 })
    }

    func stop() {
        screen.stop()
        viewerScreen.stop()
        try? FileManager.default.removeItem(at: work)
    }
}
