import Foundation
import TestSupport
import XCTest

/// On a real terminal (a pty), incoming chat is printed above the line being typed, which stays intact
/// behind the status prompt.
final class InteractiveTerminalTests: XCTestCase {
    func testIncomingChatDoesNotGarbleTheLineBeingTyped() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        var master: Int32 = 0, slave: Int32 = 0
        XCTAssertEqual(openpty(&master, &slave, nil, nil, nil), 0)
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: f.tool)
        process.arguments = ["listen", "--port", "\(f.port)", "--snapshots", f.snapshots]
        process.environment = f.env(f.aliceConfig)
        process.standardInput = terminal
        process.standardOutput = terminal
        process.standardError = terminal
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        let screen = PTYReader(master)
        XCTAssertTrue(screen.waitFor("waiting for requests"), screen.text)
        let bob = try f.request(["--allow-view"])
        // The question is printed once, wrapped at words to the terminal; the prompt under it is short.
        XCTAssertTrue(screen.waitFor("answer [y/N] >"), screen.text)
        // Wider than the terminal, it is still printed once while the status ticks redraw the prompt
        // (before, each redraw repeated the wrapped question down the screen).
        Thread.sleep(forTimeInterval: 2.5)
        XCTAssertEqual(screen.text.components(separatedBy: "(SHA256:").count - 1, 2, "alice's line and bob's question once: \(screen.text)")
        screen.type("y\r")
        XCTAssertTrue(screen.waitFor("viewing \"bob's desktop\""), screen.text)
        XCTAssertTrue(screen.waitFor("[bob · viewing"), "the status prompt: \(screen.text)")
        screen.type("half a li")
        XCTAssertTrue(screen.waitFor("> half a li"), screen.text)
        bob.type("hello from bob")
        XCTAssertTrue(screen.waitFor("<bob> hello from bob"), screen.text)
        // After the incoming line, the prompt is drawn again with the partial input intact.
        let after = screen.text.components(separatedBy: "<bob> hello from bob").last ?? ""
        XCTAssertTrue(after.contains("] > half a li"), "partial input redrawn: \(after.debugDescription)")
        screen.type("ne\r")
        XCTAssertTrue(bob.waitFor("<alice> half a line"), bob.text)
        XCTAssertTrue(screen.waitFor("<alice> half a line"), "own line shown in the transcript")
        screen.type("/quit\r")
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)
    }
}

/// Reads what a program writes to its terminal.
final class PTYReader: @unchecked Sendable {
    private let master: Int32
    private let lock = NSLock()
    private var collected = ""

    init(_ master: Int32) {
        self.master = master
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(master, &buffer, buffer.count)
                if n <= 0 { break }
                lock.lock()
                collected += String(decoding: buffer[0..<n], as: UTF8.self)
                lock.unlock()
            }
        }
    }

    var text: String { lock.lock(); defer { lock.unlock() }; return collected }

    func type(_ s: String) {
        let bytes = Array(s.utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    func waitFor(_ fragment: String, timeout: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if text.contains(fragment) { return true }
            usleep(20_000)
        }
        return false
    }
}
