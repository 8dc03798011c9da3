import Foundation
import TestSupport
import XCTest

/// The chat line on a real terminal (a pty of a known width) through the real binary: arrow keys,
/// Home/End and history edit the line instead of inserting "[D"; a line wider than the terminal
/// scrolls instead of wrapping; wide incoming lines wrap at spaces; after Ctrl-C no prompt is left.
final class InteractiveEditingTests: XCTestCase {
    private let left = "\u{1B}[D", up = "\u{1B}[A"

    func testKeysEditTheChatLineAndCtrlCLeavesNoPrompt() throws {
        let s = try TerminalSession(columns: 80)
        defer { s.tearDown() }
        // "helo", Left, Left, "l", Enter.
        s.screen.type("helo" + left + left + "l\r")
        XCTAssertTrue(s.bob.waitFor("<alice> hello\n"), s.bob.text)
        // Home and End, each cut in two reads; the second part comes later.
        s.screen.type("orld\u{1B}[")
        usleep(200_000)
        s.screen.type("Hw\u{1B}")
        usleep(200_000)
        s.screen.type("OF!\r")
        XCTAssertTrue(s.bob.waitFor("<alice> world!\n"), s.bob.text)
        // Backspace, Ctrl-W, Delete; then Up brings the line back to be sent again.
        s.screen.type("typo wrongg\u{7F}\u{17}right" + left + left + "\u{1B}[3~h\r")
        XCTAssertTrue(s.bob.waitFor("<alice> typo right\n"), s.bob.text)
        s.screen.type(up + up + "\r")
        XCTAssertTrue(waitUntil { s.bob.text.components(separatedBy: "<alice> world!\n").count == 3 },
                      "the recalled line sent again: \(s.bob.text)")
        XCTAssertTrue(s.screen.waitFor { $0.rows.filter { $0.hasSuffix("<alice> world!") }.count == 2 }, s.screen.dump)

        let chat = (try? String(contentsOfFile: s.f.snapshots + "/chat.log", encoding: .utf8)) ?? ""
        let sent = chat.split(separator: "\n").filter { $0.contains("<alice>") }.map { $0.components(separatedBy: "<alice> ").last ?? "" }
        XCTAssertEqual(sent, ["hello", "world!", "typo right", "world!"], chat)
        for text in [s.bob.text, chat, s.screen.emulated.rows.joined(separator: "\n")] {
            XCTAssertFalse(["[D", "[A", "[H", "[3~"].contains { text.contains($0) },
                           "no escape sequence typed into the chat: \(text)")
        }

        // Ctrl-C (the signal the terminal would send): the session ends and no prompt is left behind.
        s.screen.type("unsent")
        XCTAssertTrue(s.screen.waitFor { $0.cursorRow.hasSuffix("> unsent") }, s.screen.dump)
        kill(s.alice.processIdentifier, SIGINT)
        XCTAssertTrue(waitUntil { !s.alice.isRunning }, "alice ends on SIGINT: \(s.screen.dump)")
        usleep(300_000)   // the last output
        let final = s.screen.emulated
        XCTAssertTrue(final.rows.contains { $0.contains("ended the session (interrupted)") }, s.screen.dump)
        XCTAssertEqual(final.cursorRow, "", "the bottom line is left empty: \(s.screen.dump)")
        XCTAssertEqual(final.cursorColumn, 0, s.screen.dump)
        XCTAssertEqual(final.unknown, [], "only the escape sequences the terminal UI is meant to write")
        XCTAssertFalse(final.rows.contains { $0.contains("] >") || $0.hasPrefix(">") || $0.contains("unsent") },
                       "no prompt reprinted: \(s.screen.dump)")
    }

    /// Ctrl-C while a request waits for an answer: what is printed as the listener closes comes after
    /// the terminal was restored, and no prompt is drawn under it.
    func testCtrlCDuringAQuestionLeavesNoPrompt() throws {
        let s = try TerminalSession(columns: 80, accept: false)
        defer { s.tearDown() }
        s.screen.type("mayb")
        XCTAssertTrue(s.screen.waitFor { $0.cursorRow == "answer [y/N] > mayb" }, s.screen.dump)
        kill(s.alice.processIdentifier, SIGINT)
        XCTAssertTrue(waitUntil { !s.alice.isRunning }, "alice ends on SIGINT: \(s.screen.dump)")
        usleep(300_000)
        let final = s.screen.emulated
        XCTAssertEqual(final.cursorRow, "", "the bottom line is left empty: \(s.screen.dump)")
        XCTAssertEqual(final.cursorColumn, 0, s.screen.dump)
        XCTAssertEqual(final.unknown, [], "only the escape sequences the terminal UI is meant to write")
        XCTAssertFalse(final.rows.contains { $0.contains("] >") || $0.hasPrefix(">") || $0.contains("answer [y/N]") },
                       "no prompt reprinted: \(s.screen.dump)")
    }

    func testLongLinesScrollWhenTypedAndWrapAtSpacesWhenPrinted() throws {
        let s = try TerminalSession(columns: 40)
        defer { s.tearDown() }
        let words = (1...20).map { "word\($0)" }
        let long = words.joined(separator: " ")   // 130 columns
        s.screen.type(long)
        XCTAssertTrue(s.screen.waitFor { $0.cursorRow.hasSuffix("word19 word20") }, s.screen.dump)
        var screen = s.screen.emulated
        XCTAssertEqual(screen.wraps, 0, "nothing reached the right margin: \(s.screen.dump)")
        XCTAssertLessThanOrEqual(screen.cursorRow.count, 39, s.screen.dump)
        XCTAssertEqual(screen.cursorColumn, screen.cursorRow.count, "the cursor at the end of the line")
        // Home: the start of the line is shown, the cursor on its first character.
        s.screen.type("\u{1B}[H")
        XCTAssertTrue(s.screen.waitFor { $0.cursorRow.hasSuffix("> word1 word2 word3") || $0.cursorRow.contains("> word1 word2 word3 ") },
                      s.screen.dump)
        screen = s.screen.emulated
        XCTAssertEqual(Array(screen.cursorRow + " ").dropFirst(screen.cursorColumn).first, "w", s.screen.dump)
        XCTAssertEqual(screen.wraps, 0, s.screen.dump)
        s.screen.type("\u{1B}[F\r")
        XCTAssertTrue(s.bob.waitFor("<alice> \(long)\n"), "the whole line is sent: \(s.bob.text)")

        // An incoming line wider than the terminal wraps at spaces, continuation lines indented.
        s.bob.type(long)
        XCTAssertTrue(s.screen.waitFor { $0.rows.contains { $0.hasSuffix("<bob> word1 word2 word3 word4") } }, s.screen.dump)
        XCTAssertTrue(s.screen.waitFor { $0.rows.contains { $0.hasSuffix("word20") && $0.hasPrefix("         word") } }, s.screen.dump)
        screen = s.screen.emulated
        XCTAssertEqual(screen.wraps, 0, "printed lines fit the width: \(s.screen.dump)")
        guard let first = screen.rows.firstIndex(where: { $0.contains("<bob> word1 ") }) else { return XCTFail(s.screen.dump) }
        var shown: [String] = [screen.rows[first].components(separatedBy: "<bob> ")[1]]
        for row in screen.rows[(first + 1)...] {
            guard row.hasPrefix("         word") else { break }
            XCTAssertLessThanOrEqual(row.count, 40)
            shown.append(String(row.dropFirst(9)))
        }
        XCTAssertEqual(shown.joined(separator: " "), long, "every word whole, in order: \(s.screen.dump)")
        s.screen.type("/quit\r")
        XCTAssertEqual(s.bob.exitStatus(), 0, s.bob.text)
    }
}

private func waitUntil(timeout: Double = 20, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

/// alice `listen`s on a pty `columns` wide; bob requests (consent given) and the session starts.
private final class TerminalSession {
    let f: JourneyFixture
    let alice: Process
    let screen: PTYScreen
    let bob: CLIProcess

    init(columns: UInt16, accept: Bool = true) throws {
        f = try JourneyFixture()
        var master: Int32 = 0, slave: Int32 = 0
        var size = winsize(ws_row: 24, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&master, &slave, nil, nil, &size) == 0 else { throw POSIXError(.EIO) }
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
        alice = Process()
        alice.executableURL = URL(fileURLWithPath: f.tool)
        alice.arguments = ["listen", "--port", "\(f.port)", "--snapshots", f.snapshots]
        alice.environment = f.env(f.aliceConfig)
        alice.standardInput = terminal
        alice.standardOutput = terminal
        alice.standardError = terminal
        try alice.run()
        screen = PTYScreen(master, columns: Int(columns))
        XCTAssertTrue(screen.waitFor { $0.rows.contains { $0.contains("waiting for requests") } }, screen.dump)
        bob = try f.request(["--allow-view"])
        XCTAssertTrue(screen.waitFor { $0.cursorRow.hasPrefix("answer [y/N] >") }, screen.dump)
        guard accept else { return }
        screen.type("y\r")
        XCTAssertTrue(screen.waitFor { $0.cursorRow.hasPrefix("[bob · viewing") || $0.cursorRow.contains("viewing") && $0.cursorRow.hasSuffix("] >") },
                      screen.dump)
    }

    func tearDown() {
        if alice.isRunning { kill(alice.processIdentifier, SIGKILL); alice.waitUntilExit() }
        f.tearDown()
    }
}

/// What a program writes to a pty, as bytes, and the screen it makes (``TerminalScreen``).
private final class PTYScreen: @unchecked Sendable {
    private let master: Int32
    private let columns: Int
    private let lock = NSLock()
    private var bytes: [UInt8] = []

    init(_ master: Int32, columns: Int) {
        self.master = master
        self.columns = columns
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(master, &buffer, buffer.count)
                if n <= 0 { break }
                lock.lock()
                bytes += buffer[0..<n]
                lock.unlock()
            }
        }
    }

    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: bytes, as: UTF8.self) }
    var emulated: TerminalScreen { TerminalScreen(text, columns: columns) }
    var dump: String { "screen:\n" + emulated.rows.joined(separator: "\n") + "\nraw: " + text.debugDescription }

    func type(_ s: String) {
        let bytes = Array(s.utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    func waitFor(timeout: Double = 20, _ condition: (TerminalScreen) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(emulated) { return true }
            usleep(20_000)
        }
        return condition(emulated)
    }
}

/// The screen a terminal `columns` wide shows for some output: just what the interactive terminal
/// uses (text, CR, LF, BS, ESC[K, ESC[nC, ESC[nD), one column a character, with the deferred wrap of
/// real terminals (a character in the last column wraps only when another follows). Rows never
/// scroll away. `wraps` counts lines that reached the right margin and went on on the next row.
private struct TerminalScreen {
    private(set) var grid: [[Character]] = [[]]
    private(set) var row = 0
    private(set) var cursorColumn = 0
    private(set) var wraps = 0
    /// Escape sequences this model does not know (a test of the terminal should see none).
    private(set) var unknown: [String] = []
    private var pendingWrap = false
    let columns: Int

    init(_ output: String, columns: Int) {
        self.columns = columns
        var characters = Array(output)[...]
        while let c = characters.popFirst() {
            switch c {
            case "\r": cursorColumn = 0; pendingWrap = false
            case "\n", "\r\n": newLine(); if c == "\r\n" { cursorColumn = 0 }
            case "\u{08}": cursorColumn = max(0, cursorColumn - 1); pendingWrap = false
            case "\u{1B}":
                guard characters.first == "[" else { unknown.append("ESC"); continue }
                characters.removeFirst()
                var parameters = ""
                while let p = characters.first, p.isASCII, let v = p.asciiValue, (0x20...0x3F).contains(v) {
                    parameters.append(p)
                    characters.removeFirst()
                }
                guard let final = characters.popFirst() else { break }
                let n = max(1, Int(parameters) ?? 1)
                switch final {
                case "K" where parameters.isEmpty || parameters == "0":
                    let line = grid[row]
                    if cursorColumn < line.count { grid[row] = Array(line[..<cursorColumn]) }
                case "C": cursorColumn = min(columns - 1, cursorColumn + n); pendingWrap = false
                case "D": cursorColumn = max(0, cursorColumn - n); pendingWrap = false
                default: unknown.append("ESC[" + parameters + String(final))
                }
            default:
                put(c)
            }
        }
    }

    private mutating func newLine() {
        row += 1
        pendingWrap = false
        if row == grid.count { grid.append([]) }
    }

    private mutating func put(_ c: Character) {
        if pendingWrap {
            wraps += 1
            newLine()
            cursorColumn = 0
        }
        while grid[row].count < cursorColumn { grid[row].append(" ") }
        if cursorColumn < grid[row].count { grid[row][cursorColumn] = c } else { grid[row].append(c) }
        if cursorColumn == columns - 1 { pendingWrap = true } else { cursorColumn += 1 }
    }

    var rows: [String] { grid.map { String(String($0).reversed().drop { $0 == " " }.reversed()) } }
    var cursorRow: String { rows[row] }
}
