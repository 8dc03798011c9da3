import ArgumentParser
import PNGSnapshot
import Pixels
import X11Capture

struct Snapshot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Capture the X11 screen once and write it as a PNG file.",
        discussion: """
            Reads the root window of the display (MIT-SHM when the X server allows it, XGetImage \
            otherwise) and writes an 8-bit RGB PNG. The file is replaced atomically: a reader sees the \
            old file or the new one, never half of one.

            Examples:
              remote-assist snapshot                         uses $DISPLAY, writes snapshot.png
              remote-assist snapshot --display :1 -o a.png
              remote-assist snapshot --level 6 --filter all  smaller file, slower
            """)

    @Option(name: .long, help: "X display to capture, e.g. :0 (default: $DISPLAY).")
    var display: String?

    @Option(name: [.short, .long], help: "PNG file to write.")
    var output: String = "snapshot.png"

    @Option(name: .long, help: "zlib compression level 0-9 (1 is fast).")
    var level: Int = 1

    @Option(name: .long, help: "PNG row filter: \(PNGCodec.Filter.allCases.map(\.rawValue).joined(separator: ", ")).")
    var filter: String = "none"

    @Flag(name: .long, help: "Do not use MIT-SHM (as for a display on another host).")
    var noShm = false

    func validate() throws {
        guard (0...9).contains(level) else { throw ValidationError("--level must be 0 to 9, not \(level)") }
        guard PNGCodec.Filter(rawValue: filter) != nil else {
            throw ValidationError("--filter must be one of \(PNGCodec.Filter.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let source: X11ScreenSource
        do {
            source = try X11ScreenSource(displayName: display, allowSharedMemory: !noShm)
        } catch {
            throw CLIError("\(error)")
        }
        defer { source.close() }
        var framebuffer = Framebuffer(width: 0, height: 0)
        do { _ = try source.capture(into: &framebuffer, full: true) } catch { throw CLIError("capture failed: \(error)") }
        let options = PNGCodec.Options(level: level, filter: PNGCodec.Filter(rawValue: filter) ?? .none)
        do { try PNGCodec.write(framebuffer, to: output, options: options) } catch { throw CLIError("\(error)") }
        print("wrote \(output) (\(framebuffer.width)x\(framebuffer.height), \(source.method.rawValue), display \(source.displayName))")
    }
}
