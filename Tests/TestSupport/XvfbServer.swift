import Foundation

/// A private Xvfb server for one test class: started on a free display number (Xvfb picks it and
/// reports it through -displayfd), stopped by its PID. Tests fail with a clear message when Xvfb is
/// not installed (`.ci/run` installs it).
public final class XvfbServer: @unchecked Sendable {
    public let display: String
    /// Where Xvfb's own messages go.
    public let logPath: String
    private let process: Process

    public enum Failure: Error, CustomStringConvertible {
        case notInstalled
        case didNotStart(String)
        public var description: String {
            switch self {
            case .notInstalled: return "Xvfb is not installed (apt-get install xvfb, or run .ci/run)"
            case .didNotStart(let why): return "Xvfb did not start: \(why)"
            }
        }
    }

    public static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Starts `Xvfb -screen 0 WxHxdepth` with the given extra arguments (e.g. ["-extension", "MIT-SHM"]).
    public init(width: Int = 1920, height: Int = 1080, depth: Int = 24, extraArguments: [String] = []) throws {
        guard let xvfb = Self.findExecutable("Xvfb") else { throw Failure.notInstalled }
        let out = Pipe()
        // Xvfb's messages go to a file: an unread pipe would fill up and block the server.
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("xvfb-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let err = FileHandle(forWritingAtPath: logPath) ?? FileHandle.nullDevice
        process = Process()
        process.executableURL = URL(fileURLWithPath: xvfb)
        process.arguments = ["-displayfd", "1", "-screen", "0", "\(width)x\(height)x\(depth)", "-nolisten", "tcp",
                             "-noreset"] + extraArguments
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Xvfb writes the display number and a newline to fd 1 once it accepts connections.
        var number = ""
        let handle = out.fileHandleForReading
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            number += String(decoding: chunk, as: UTF8.self)
            if number.contains("\n") { break }
        }
        let trimmed = number.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, Int(trimmed) != nil else {
            process.terminate()
            let message = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw Failure.didNotStart(message.isEmpty ? "no display number reported" : message)
        }
        display = ":\(trimmed)"
    }

    public var pid: Int32 { process.processIdentifier }

    /// Stops the server (SIGTERM, then SIGKILL after 1 s: a server started from a thread that blocks
    /// SIGTERM inherits that mask and ignores it) and waits for it; removes what a killed server leaves.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(1)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let number = display.dropFirst()
        try? FileManager.default.removeItem(atPath: "/tmp/.X\(number)-lock")
        try? FileManager.default.removeItem(atPath: "/tmp/.X11-unix/X\(number)")
        try? FileManager.default.removeItem(atPath: logPath)
    }

    deinit { stop() }
}

/// Runs a program to completion and returns its exit status, standard output and standard error.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                       stdin: String? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
    // Read both pipes to the end before waiting, so a chatty child cannot block on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// The folder holding the built products (the test bundle runs from there).
public var buildProductsDirectory: URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
}

/// A fresh temporary folder, removed by the caller.
public func makeTemporaryDirectory(_ prefix: String = "remote-assist-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
