import Foundation
import RFBTransport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A child started with `runWithSignalsUnblocked` has no signal blocked, even when the starting thread
/// blocks some (as Dispatch and Swift concurrency threads do); a plain `run()` passes the mask on.
final class ChildLaunchTests: XCTestCase {
    /// The child's blocked-signal mask (SigBlk of /proc/self/status), started on a thread that blocks
    /// SIGTERM and SIGUSR1.
    func childMask(unblocked: Bool) throws -> UInt64 {
        let out = Pipe()
        let process = Process()
        // grep itself, not through a shell: dash clears its signal mask when it starts.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/grep")
        process.arguments = ["SigBlk", "/proc/self/status"]
        process.standardOutput = out
        nonisolated(unsafe) var failure: (any Error)?
        let thread = Thread {
            var block = sigset_t()
            sigemptyset(&block)
            sigaddset(&block, SIGTERM)
            sigaddset(&block, SIGUSR1)
            pthread_sigmask(SIG_BLOCK, &block, nil)
            do { try unblocked ? process.runWithSignalsUnblocked() : process.run() } catch { failure = error }
        }
        thread.start()
        while !thread.isFinished { usleep(1000) }
        if let failure { throw failure }
        process.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let hex = try XCTUnwrap(text.split(separator: "\t").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        return try XCTUnwrap(UInt64(hex, radix: 16), "SigBlk line: \(text)")
    }

    func testChildStartsWithNoSignalBlocked() throws {
        let term = UInt64(1) << UInt64(SIGTERM - 1), usr1 = UInt64(1) << UInt64(SIGUSR1 - 1)
        // What the helper is for: a plain run() hands the starting thread's mask to the child.
        XCTAssertEqual(try childMask(unblocked: false) & (term | usr1), term | usr1)
        XCTAssertEqual(try childMask(unblocked: true), 0)
    }
}
