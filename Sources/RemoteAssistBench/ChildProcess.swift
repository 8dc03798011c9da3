import Foundation
import RFBTransport
#if canImport(Glibc)
import Glibc
#endif

/// A process the benchmark started: output to a log file, optionally a stdin pipe kept open (our CLI
/// ends its session at end of input). Stopped by its own PID only.
final class ChildProcess {
    let name: String
    let logFile: String
    private let process = Process()
    private let input: Pipe?

    init(name: String, executable: String, arguments: [String], environment: [String: String] = [:],
         logFile: String, keepStdinOpen: Bool = false) throws {
        self.name = name
        self.logFile = logFile
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        guard FileManager.default.createFile(atPath: logFile, contents: nil),
              let log = FileHandle(forWritingAtPath: logFile) else { throw BenchError("cannot write \(logFile)") }
        process.standardOutput = log
        process.standardError = log
        if keepStdinOpen {
            let pipe = Pipe()
            input = pipe
            process.standardInput = pipe
        } else {
            input = nil
            process.standardInput = FileHandle.nullDevice
        }
        // Started with nothing blocked: from a Dispatch thread the vncclient probe inherited a mask that
        // blocked SIGUSR1 (its counts) and SIGTERM (write the final picture), and every final picture of
        // the session bench was missing.
        do { try process.runWithSignalsUnblocked() } catch { throw BenchError("cannot start \(name) (\(executable)): \(error)") }
        try? log.close()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }
    var output: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// Types `text` into the stdin pipe (a kept-open one).
    func send(_ text: String) { try? input?.fileHandleForWriting.write(contentsOf: Data(text.utf8)) }

    /// Ends the stdin pipe (our CLI then ends its session cleanly).
    func closeStdin() { try? input?.fileHandleForWriting.close() }

    /// True when the process exited within `seconds`.
    @discardableResult
    func waitExit(seconds: Double) -> Bool {
        let deadline = nowMilliseconds() + seconds * 1000
        while process.isRunning && nowMilliseconds() < deadline { usleep(20_000) }
        return !process.isRunning
    }

    /// `signal`, then SIGKILL after `grace` seconds.
    func stop(signal: Int32 = SIGTERM, grace: Double = 3) {
        guard process.isRunning else { closeStdin(); return }
        kill(pid, signal)
        if !waitExit(seconds: grace) {
            kill(pid, SIGKILL)
            waitExit(seconds: 2)
        }
        closeStdin()
    }

    /// User plus system CPU seconds of this process and its descendants so far (from /proc/PID/stat;
    /// a wrapper script's real server counts), nil once the process is gone.
    var cpuSeconds: Double? {
        guard let own = Self.stat(pid: pid) else { return nil }
        var total = own.cpu
        var children: [Int32: [Int32]] = [:]
        var cpu: [Int32: Double] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let p = Int32(entry), let s = Self.stat(pid: p) else { continue }
            children[s.parent, default: []].append(p)
            cpu[p] = s.cpu
        }
        var queue = children[pid] ?? []
        while let p = queue.popLast() {
            total += cpu[p] ?? 0
            queue += children[p] ?? []
        }
        return total
    }

    /// utime + stime in seconds and the parent PID of one process.
    static func stat(pid: Int32) -> (cpu: Double, parent: Int32)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After "(comm)": field 3 state, 4 ppid, ... 14 utime, 15 stime (clock ticks).
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let parent = Int32(fields[1]), let user = Double(fields[11]),
              let system = Double(fields[12]) else { return nil }
        return ((user + system) / Double(sysconf(Int32(_SC_CLK_TCK))), parent)
    }

    /// Runs a short command to completion (bounded), returning its exit status and output.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    timeout: Double = 30, logFile: String) throws -> (status: Int32, output: String) {
        let child = try ChildProcess(name: (executable as NSString).lastPathComponent, executable: executable,
                                     arguments: arguments, environment: environment, logFile: logFile)
        if !child.waitExit(seconds: timeout) {
            child.stop(signal: SIGKILL)
            throw BenchError("\(executable) \(arguments.joined(separator: " ")) did not finish in \(Int(timeout)) s")
        }
        return (child.exitStatus ?? -1, child.output)
    }
}

/// Finds an executable on PATH.
extension ChildProcess {
    /// A short `remote-assist` command with its own config folder, run to completion; its trimmed output.
    static func remoteAssist(_ tool: String, _ arguments: [String], config: String, logFile: String) throws -> String {
        let (status, output) = try run(tool, arguments, environment: ["XDG_CONFIG_HOME": config], logFile: logFile)
        guard status == 0 else { throw BenchError("remote-assist \(arguments.joined(separator: " ")) failed: \(output)") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

func which(_ name: String) -> String? {
    if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
        return "\(dir)/\(name)"
    }
    return nil
}

extension ChildProcess {
    /// A memory figure of this process in KiB from /proc/PID/status (`VmRSS`: resident now, `VmHWM`:
    /// the most it was ever resident), nil once the process is gone.
    func memoryKiB(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        let line = text.split(whereSeparator: \.isNewline).first { $0.hasPrefix(field + ":") }
        return line?.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }
}
