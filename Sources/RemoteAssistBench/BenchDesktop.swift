import Foundation
import Pixels
#if canImport(Glibc)
import Glibc
#endif

/// The benchmark's own X server (Xvfb, no window manager) and the X tools it drives.
final class BenchDesktop {
    let display: String
    let workDirectory: String
    let width: Int
    let height: Int
    private let xvfb: ChildProcess
    private var commands = 0

    /// `wallpaper`: a program that paints the root window's background (nil: Xvfb's black).
    init(workDirectory: String, width: Int = 1920, height: Int = 1080, wallpaper: String?) throws {
        guard let xvfbPath = which("Xvfb") else { throw BenchError("Xvfb is not installed (apt-get install xvfb)") }
        for tool in ["xdotool", "xwd", "xterm"] where which(tool) == nil {
            throw BenchError("\(tool) is not installed (apt-get install xdotool x11-apps xterm)")
        }
        self.workDirectory = workDirectory
        self.width = width
        self.height = height
        guard let number = (40..<100).first(where: { n in
            !FileManager.default.fileExists(atPath: "/tmp/.X\(n)-lock")
                && !FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(n)")
        }) else { throw BenchError("no free X display number in :40-:99") }
        display = ":\(number)"
        xvfb = try ChildProcess(name: "Xvfb", executable: xvfbPath,
                                arguments: [display, "-screen", "0", "\(width)x\(height)x24", "-nolisten", "tcp", "-noreset"],
                                logFile: "\(workDirectory)/xvfb.log")
        let deadline = nowMilliseconds() + 10_000
        while !FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(number)") {
            guard xvfb.isRunning, nowMilliseconds() < deadline else {
                xvfb.stop()
                throw BenchError("Xvfb \(display) did not start: \(xvfb.output.suffix(300))")
            }
            usleep(50_000)
        }
        usleep(300_000)
        if let wallpaper {
            let (status, output) = try ChildProcess.run(wallpaper, [], environment: environment, timeout: 60,
                                                        logFile: "\(workDirectory)/wallpaper.log")
            guard status == 0 else { xvfb.stop(); throw BenchError("wallpaper failed: \(output)") }
        }
        // The pointer rests in the bottom-right corner, away from every workload window.
        _ = try? xdotool(["mousemove", "\(width - 4)", "\(height - 4)"])
    }

    var environment: [String: String] { ["DISPLAY": display] }

    func stop() { xvfb.stop() }

    /// Runs xdotool with `arguments` (bounded); returns its output.
    @discardableResult
    func xdotool(_ arguments: [String], timeout: Double = 30) throws -> String {
        commands += 1
        let (status, output) = try ChildProcess.run(which("xdotool") ?? "xdotool", arguments, environment: environment,
                                                    timeout: timeout, logFile: "\(workDirectory)/xdotool-\(commands).log")
        guard status == 0 else { throw BenchError("xdotool \(arguments.prefix(4).joined(separator: " ")) failed: \(output)") }
        return output
    }

    /// The id of the visible window titled `title`, waiting up to `seconds` for it to appear.
    func window(titled title: String, seconds: Double = 10) throws -> String {
        let deadline = nowMilliseconds() + seconds * 1000
        while nowMilliseconds() < deadline {
            if let out = try? xdotool(["search", "--onlyvisible", "--name", "^\(title)$"], timeout: 5),
               let id = out.split(whereSeparator: \.isNewline).first {
                return String(id)
            }
            usleep(100_000)
        }
        throw BenchError("window '\(title)' did not appear on \(display)")
    }

    /// The screen as the X server holds it, read with `xwd -root` (independent of our capture code).
    func screenshot(name: String) throws -> Framebuffer {
        let path = "\(workDirectory)/\(name).xwd"
        let (status, output) = try ChildProcess.run(which("xwd") ?? "xwd", ["-root", "-silent", "-out", path],
                                                    environment: environment, timeout: 20,
                                                    logFile: "\(workDirectory)/\(name).xwd.log")
        guard status == 0 else { throw BenchError("xwd failed: \(output)") }
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try PictureFiles.readXWD(path)
    }
}
