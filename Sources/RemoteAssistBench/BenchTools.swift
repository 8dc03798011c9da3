import Foundation

/// The programs a session benchmark runs: our CLI from the same build folder as this benchmark, the
/// two C helpers under `Tests/Interop` (compiled here with cc), and the third-party servers if installed.
struct BenchTools {
    let remoteAssist: String
    let probe: String
    let colourSquare: String
    let wallpaper: String
    let x11vnc: String?
    let x0vncserver: String?
    let perf: String?
    /// Another `remote-assist` binary to compare with (before/after a change), if given.
    let baselineAgent: String?

    init(packageRoot: String, workDirectory: String, baselineAgent: String? = nil) throws {
        if let baselineAgent, !FileManager.default.isExecutableFile(atPath: baselineAgent) {
            throw BenchError("--baseline-agent \(baselineAgent) is not an executable")
        }
        self.baselineAgent = baselineAgent
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let buildFolder = (me as NSString).deletingLastPathComponent
        remoteAssist = "\(buildFolder)/remote-assist"
        guard FileManager.default.isExecutableFile(atPath: remoteAssist) else {
            throw BenchError("\(remoteAssist) is missing: build it (swift build -c release) next to remote-assist-bench")
        }
        guard let cc = which("cc") else { throw BenchError("no C compiler (apt-get install gcc)") }
        let interop = "\(packageRoot)/Tests/Interop"
        probe = "\(workDirectory)/vncclient-probe"
        colourSquare = "\(workDirectory)/colour-square"
        wallpaper = "\(workDirectory)/wallpaper"
        try Self.compile(cc: cc, source: "\(interop)/vncclient-probe.c", output: probe, packages: "libvncclient",
                         workDirectory: workDirectory, hint: "libvncserver-dev")
        try Self.compile(cc: cc, source: "\(interop)/colour-square.c", output: colourSquare, packages: "x11",
                         workDirectory: workDirectory, hint: "libx11-dev")
        try Self.compile(cc: cc, source: "\(interop)/wallpaper.c", output: wallpaper, packages: "x11",
                         workDirectory: workDirectory, hint: "libx11-dev", extra: ["-lm"])
        x11vnc = which("x11vnc")
        // Debian's x0vncserver is a Perl wrapper around X0tigervnc: run the server itself.
        x0vncserver = which("X0tigervnc") ?? which("x0vncserver")
        perf = which("perf")
    }

    private static func compile(cc: String, source: String, output: String, packages: String, workDirectory: String,
                                hint: String, extra: [String] = []) throws {
        guard FileManager.default.fileExists(atPath: source) else {
            throw BenchError("\(source) not found: run from the package root or pass --package-root")
        }
        let log = "\(workDirectory)/cc-\((output as NSString).lastPathComponent).log"
        let flags = try ChildProcess.run(which("pkg-config") ?? "pkg-config", ["--cflags", "--libs", packages], logFile: log)
        guard flags.status == 0 else { throw BenchError("pkg-config \(packages) failed (apt-get install \(hint))") }
        let args = ["-O2", "-Wall", "-o", output, source] + flags.output.split(whereSeparator: \.isWhitespace).map(String.init) + extra
        let result = try ChildProcess.run(cc, args, timeout: 120, logFile: log)
        guard result.status == 0 else { throw BenchError("cc \(source) failed: \(result.output)") }
    }
}
