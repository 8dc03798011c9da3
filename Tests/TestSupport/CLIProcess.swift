import Foundation
import Synchronization

/// A `remote-assist` process driven like a person at a terminal: lines written to its standard input,
/// its output collected as it comes, waits for a line to appear, signals, exit status.
public final class CLIProcess: Sendable {
    private let process: Process
    private let input: FileHandle
    private final class Collected: Sendable {
        let text = Mutex("")
        let done = Mutex(false)
    }
    private let collected = Collected()
    public let name: String

    /// `nullInput`: standard input is /dev/null (as under nohup or systemd) instead of a pipe to type into.
    public init(_ executable: String, _ arguments: [String], environment: [String: String], name: String,
                nullInput: Bool = false) throws {
        // A write to a child that already exited must fail (EPIPE), not kill the whole test run.
        _ = Glibc.signal(SIGPIPE, SIG_IGN)
        self.name = name
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let inPipe = Pipe(), outPipe = Pipe()
        p.standardInput = nullInput ? FileHandle.nullDevice : inPipe
        p.standardOutput = outPipe
        p.standardError = outPipe
        process = p
        input = inPipe.fileHandleForWriting
        try p.run()
        let reader = outPipe.fileHandleForReading
        let collected = collected
        Thread.detachNewThread {
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                collected.text.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
            }
            collected.done.withLock { $0 = true }
        }
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var text: String { collected.text.withLock { $0 } }

    /// Types a line; a process that already exited (a closed pipe) makes this a no-op, never a crash of
    /// the test run (`FileHandle.write(_:)` traps on EPIPE).
    public func type(_ line: String) {
        try? input.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Ends standard input (Ctrl-D).
    public func closeInput() {
        try? input.close()
    }

    public func signal(_ sig: Int32) {
        kill(process.processIdentifier, sig)
    }

    /// Waits until the output contains `fragment`; returns false on timeout.
    @discardableResult
    public func waitFor(_ fragment: String, timeout: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if text.contains(fragment) { return true }
            usleep(20_000)
        }
        return text.contains(fragment)
    }

    /// Waits for the process to exit; nil on timeout (the process is then killed).
    public func exitStatus(timeout: Double = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        // Let the reader drain the last output.
        let drained = Date().addingTimeInterval(2)
        while !collected.done.withLock({ $0 }) && Date() < drained { usleep(10_000) }
        return process.terminationStatus
    }

    /// Kills the process if it still runs (test clean-up).
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
