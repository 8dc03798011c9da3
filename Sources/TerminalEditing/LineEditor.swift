/// The line being typed on a terminal in character mode: bytes in, the edited line and events out.
/// Pure (no I/O, no clock): the caller reads the keyboard, feeds what it read, and draws ``characters``
/// with the cursor at ``cursor`` (see ``LineView``).
///
/// Keys (xterm, VT100 and Linux console spellings):
/// - printable UTF-8 is inserted at the cursor; a combining mark (or anything else that joins the
///   character before it into one grapheme) joins it, so the cursor always stands between characters;
/// - Left/Right (ESC[D, ESC[C, ESC OD, ESC OC, Ctrl-B, Ctrl-F) move one character; Ctrl-Left/Right
///   (ESC[1;5D, ESC[1;5C) and Alt-B/Alt-F move one word;
/// - Home (ESC[H, ESC OH, ESC[1~, ESC[7~, Ctrl-A), End (ESC[F, ESC OF, ESC[4~, ESC[8~, Ctrl-E);
/// - Backspace (DEL or Ctrl-H) deletes before the cursor, Delete (ESC[3~) at it; Ctrl-D deletes at it,
///   or on an empty line is the end of input; Ctrl-U deletes to the start, Ctrl-K to the end, Ctrl-W
///   (and Alt-Backspace) the word before the cursor;
/// - Up/Down (ESC[A, ESC[B, ESC OA, ESC OB, Ctrl-P, Ctrl-N) walk the submitted lines (the last
///   ``historyLimit``); going past the newest brings back what was being typed;
/// - Enter (CR or LF) submits the line.
///
/// Any other escape sequence (CSI, SS3, Alt-key) is consumed whole and ignored; other control bytes are
/// ignored. Input may be cut anywhere, in an escape sequence or a UTF-8 character: the rest is awaited.
/// An ESC pressed alone therefore waits for the next key, which it consumes (as Alt would).
public struct LineEditor: Sendable, Equatable {
    public enum Event: Sendable, Equatable {
        /// Enter: the line, which is then cleared.
        case submit(String)
        /// Ctrl-D on an empty line. Nothing is read after it.
        case endOfInput
    }

    /// The line, one element per character (grapheme cluster).
    public private(set) var characters: [Character] = []
    /// Where the next character goes: 0 (start) through `characters.count` (end).
    public private(set) var cursor = 0
    /// Submitted lines, oldest first: not blank ones, not one equal to the one before.
    public private(set) var history: [String] = []
    public let historyLimit: Int
    /// Whether submitted lines go into the history (the caller turns it off while the line answers a
    /// question, so "y" does not come back with Up among the chat lines).
    public var recordsHistory = true
    /// Which history entry is shown, when walking it; and the line that was being typed meanwhile.
    private var recalled: Int?
    private var draft: [Character] = []
    private var sequence = Pending.none
    private var utf8: [UInt8] = []
    private var ended = false

    /// An escape sequence being read.
    private enum Pending: Sendable, Equatable {
        case none
        case escape
        /// ESC [ with its parameter and intermediate bytes so far (kept up to `maxParameters`).
        case csi([UInt8])
        /// ESC O
        case ss3
    }
    private static let maxParameters = 16

    public init(historyLimit: Int = 100) {
        self.historyLimit = max(0, historyLimit)
    }

    public var line: String { String(characters) }

    /// True in the middle of an escape sequence or a UTF-8 character.
    public var isAwaitingMore: Bool { sequence != .none || !utf8.isEmpty }

    /// Feeds bytes as read from the terminal; returns what they submitted, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if let event = feed(byte) { events.append(event) }
        }
        return events
    }

    public mutating func feed(_ byte: UInt8) -> Event? {
        guard !ended else { return nil }
        switch sequence {
        case .none:
            return ground(byte)
        case .escape:
            switch byte {
            case UInt8(ascii: "["): sequence = .csi([])
            case UInt8(ascii: "O"): sequence = .ss3
            case 0x1B: break   // ESC ESC: the second one starts the sequence
            case 0x7F, 0x08: sequence = .none; deleteWordBefore()
            case UInt8(ascii: "b"), UInt8(ascii: "B"): sequence = .none; wordLeft()
            case UInt8(ascii: "f"), UInt8(ascii: "F"): sequence = .none; wordRight()
            case 0x20...0x7E, 0x80...0xFF: sequence = .none   // another Alt-key: ignored
            default: sequence = .none; return ground(byte)      // a control key after ESC counts on its own
            }
        case .csi(var parameters):
            switch byte {
            case 0x20...0x3F:
                if parameters.count < Self.maxParameters { parameters.append(byte) }
                sequence = .csi(parameters)
            case 0x40...0x7E:
                sequence = .none
                csi(parameters, final: byte)
            default:
                // Not part of a sequence (a control key, or bytes of text): the sequence was cut off.
                sequence = .none
                return ground(byte)
            }
        case .ss3:
            switch byte {
            case 0x20...0x3F: break   // a modifier some terminals put here
            case 0x40...0x7E:
                sequence = .none
                csi([], final: byte)
            default:
                sequence = .none
                return ground(byte)
            }
        }
        return nil
    }

    private mutating func ground(_ byte: UInt8) -> Event? {
        if byte >= 0x80 { text(byte); return nil }
        utf8 = []   // a character cut off by an ASCII byte is dropped
        switch byte {
        case 0x0D, 0x0A: return submit()
        case 0x04:
            if characters.isEmpty { ended = true; return .endOfInput }
            deleteAt()
        case 0x1B: sequence = .escape
        case 0x01: cursor = 0
        case 0x05: cursor = characters.count
        case 0x02: left()
        case 0x06: right()
        case 0x7F, 0x08: deleteBefore()
        case 0x15: characters.removeSubrange(0..<cursor); cursor = 0
        case 0x0B: characters.removeSubrange(cursor...)
        case 0x17: deleteWordBefore()
        case 0x10: older()
        case 0x0E: newer()
        case 0x20...0x7E: insert(Unicode.Scalar(byte))
        default: break   // other control keys (Tab, Ctrl-L, …)
        }
        return nil
    }

    /// ESC [ parameters final, or ESC O final (no parameters).
    private mutating func csi(_ parameters: [UInt8], final: UInt8) {
        let p = String(decoding: parameters, as: UTF8.self)
        let plain = p.isEmpty || p == "1"
        let control = p == "1;5" || p == "5"   // Ctrl with an arrow
        switch final {
        case UInt8(ascii: "A") where plain: older()
        case UInt8(ascii: "B") where plain: newer()
        case UInt8(ascii: "C") where plain: right()
        case UInt8(ascii: "D") where plain: left()
        case UInt8(ascii: "C") where control: wordRight()
        case UInt8(ascii: "D") where control: wordLeft()
        case UInt8(ascii: "H") where plain: cursor = 0
        case UInt8(ascii: "F") where plain: cursor = characters.count
        case UInt8(ascii: "~"):
            switch p {
            case "1", "7": cursor = 0
            case "4", "8": cursor = characters.count
            case "3": deleteAt()
            default: break
            }
        default:
            break
        }
    }

    /// A byte of a UTF-8 character.
    private mutating func text(_ byte: UInt8) {
        if byte & 0xC0 == 0x80 {
            guard !utf8.isEmpty else { return }   // a stray continuation byte
            utf8.append(byte)
        } else {
            utf8 = [byte]   // a lead byte (an unfinished character before it is dropped)
        }
        let expected: Int
        switch utf8[0] {
        case 0xC2...0xDF: expected = 2
        case 0xE0...0xEF: expected = 3
        case 0xF0...0xF4: expected = 4
        default: utf8 = []; return   // never a lead byte
        }
        guard utf8.count == expected else { return }
        var decoder = UTF8()
        var bytes = utf8.makeIterator()
        if case .scalarValue(let scalar) = decoder.decode(&bytes) { insert(scalar) }
        utf8 = []
    }

    private mutating func insert(_ scalar: Unicode.Scalar) {
        if scalar.properties.generalCategory == .control { return }   // C1 controls (U+0080-U+009F)
        if cursor > 0 {
            var joined = String(characters[cursor - 1])
            joined.unicodeScalars.append(scalar)
            if joined.count == 1 {
                characters[cursor - 1] = Character(joined)
                return
            }
        }
        characters.insert(Character(scalar), at: cursor)
        cursor += 1
    }

    private mutating func submit() -> Event {
        let submitted = line
        if recordsHistory, historyLimit > 0, !submitted.allSatisfy(\.isWhitespace), history.last != submitted {
            history.append(submitted)
            if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
        }
        characters = []
        cursor = 0
        recalled = nil
        draft = []
        return .submit(submitted)
    }

    private mutating func left() { cursor = max(0, cursor - 1) }
    private mutating func right() { cursor = min(characters.count, cursor + 1) }

    private mutating func deleteBefore() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    private mutating func deleteAt() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    /// Where the word before the cursor starts (spaces before the cursor, then non-spaces).
    private func wordStart() -> Int {
        var i = cursor
        while i > 0 && characters[i - 1].isWhitespace { i -= 1 }
        while i > 0 && !characters[i - 1].isWhitespace { i -= 1 }
        return i
    }

    private mutating func deleteWordBefore() {
        let start = wordStart()
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    private mutating func wordLeft() { cursor = wordStart() }

    private mutating func wordRight() {
        var i = cursor
        while i < characters.count && characters[i].isWhitespace { i += 1 }
        while i < characters.count && !characters[i].isWhitespace { i += 1 }
        cursor = i
    }

    /// Up: the previous submitted line.
    private mutating func older() {
        guard !history.isEmpty else { return }
        let index: Int
        if let recalled {
            guard recalled > 0 else { return }
            index = recalled - 1
        } else {
            draft = characters
            index = history.count - 1
        }
        recalled = index
        show(Array(history[index]))
    }

    /// Down: the next submitted line, or past the newest the line being typed before.
    private mutating func newer() {
        guard let recalled else { return }
        if recalled + 1 < history.count {
            self.recalled = recalled + 1
            show(Array(history[recalled + 1]))
        } else {
            self.recalled = nil
            show(draft)
            draft = []
        }
    }

    private mutating func show(_ line: [Character]) {
        characters = line
        cursor = line.count
    }
}
