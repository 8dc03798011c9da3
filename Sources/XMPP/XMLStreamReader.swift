/// What the reader found in an XMPP stream.
public enum XMLStreamEvent: Equatable, Sendable {
    /// The stream's opening `<stream:stream ...>` (no children; its attributes: id, from, version...).
    case header(XMLElement)
    /// One complete top-level element (a stanza, or a stream feature / SASL / TLS element).
    case stanza(XMLElement)
    /// `</stream:stream>`.
    case end
}

/// Why the reader refused the stream. Each is final: the stream must be closed.
public enum XMLStreamError: Error, Equatable, Sendable, CustomStringConvertible {
    case doctype
    case processingInstruction
    case comment
    case unknownEntity(String)
    case invalidCharacterReference(String)
    case invalidCharacter(UInt32)
    case invalidUTF8
    case stanzaTooLarge(limit: Int)
    case headerTooLarge(limit: Int)
    case tooDeep(limit: Int)
    case tooManyAttributes(limit: Int)
    case duplicateAttribute(String)
    case unbalancedTag(expected: String, found: String)
    case unboundPrefix(String)
    case malformed(String)
    case notAStream
    case textOutsideStanza
    case afterStreamEnd

    public var description: String {
        switch self {
        case .doctype: return "XML stream refused: a DOCTYPE or DTD"
        case .processingInstruction: return "XML stream refused: a processing instruction"
        case .comment: return "XML stream refused: a comment"
        case .unknownEntity(let n): return "XML stream refused: the entity reference &\(n.prefix(32)); (only the five predefined ones are allowed)"
        case .invalidCharacterReference(let n): return "XML stream refused: the character reference &\(n.prefix(32));"
        case .invalidCharacter(let c): return "XML stream refused: the character U+\(String(c, radix: 16, uppercase: true)) is not allowed in XML"
        case .invalidUTF8: return "XML stream refused: invalid UTF-8"
        case .stanzaTooLarge(let l): return "XML stream refused: a stanza over \(l) bytes"
        case .headerTooLarge(let l): return "XML stream refused: a stream header over \(l) bytes"
        case .tooDeep(let l): return "XML stream refused: elements nested deeper than \(l)"
        case .tooManyAttributes(let l): return "XML stream refused: an element with more than \(l) attributes"
        case .duplicateAttribute(let n): return "XML stream refused: the attribute \(n.prefix(64)) given twice"
        case .unbalancedTag(let e, let f): return "XML stream refused: </\(f.prefix(64))> where </\(e.prefix(64))> was expected"
        case .unboundPrefix(let p): return "XML stream refused: the namespace prefix \(p.prefix(64)) is not declared"
        case .malformed(let why): return "XML stream refused: \(why)"
        case .notAStream: return "XML stream refused: the root element is not <stream:stream>"
        case .textOutsideStanza: return "XML stream refused: text between stanzas"
        case .afterStreamEnd: return "XML stream refused: data after </stream:stream>"
        }
    }
}

/// An incremental reader for one XMPP stream: bytes in, in any chunking; out the stream header, then one
/// complete stanza at a time, `nil` while more bytes are needed. It refuses DOCTYPEs, processing
/// instructions (the XML declaration at the very start is allowed), comments, entities other than the five
/// predefined ones, character references to characters XML does not allow, invalid UTF-8, stanzas over
/// `XMPPLimits.maximumStanzaBytes`, nesting deeper than `XMPPLimits.maximumDepth`, unbalanced tags,
/// duplicated attributes and undeclared prefixes. CDATA sections inside stanzas are read as text.
/// A new stream (after STARTTLS or SASL) needs a new reader.
public struct XMLStreamReader: Sendable {
    public static let streamsNamespace = "http://etherx.jabber.org/streams"
    static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"

    private struct Frame: Sendable {
        var qualifiedName: String
        var element: XMLElement
        var scope: [String: String]
    }

    private var buffer: [UInt8] = []
    private var position = 0
    private var stack: [Frame] = []
    private var started = false  // any byte consumed (the XML declaration must come first)
    private var ended = false
    private var failed: XMLStreamError?
    private var headerBytes = 0
    private var stanzaBytes = 0
    // A start tag being scanned for its end: where the scan resumes, and the open quote there.
    private var tagScan: (index: Int, quote: UInt8?)?

    public let maximumStanzaBytes: Int
    public let maximumDepth: Int

    public init(maximumStanzaBytes: Int = XMPPLimits.maximumStanzaBytes, maximumDepth: Int = XMPPLimits.maximumDepth) {
        self.maximumStanzaBytes = maximumStanzaBytes
        self.maximumDepth = maximumDepth
    }

    /// Adds bytes received from the peer.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if position > 0 && position >= buffer.count / 2 {
            buffer.removeFirst(position)
            if let scan = tagScan { tagScan = (scan.index - position, scan.quote) }
            position = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next event, or nil when more bytes are needed. After an error, every call throws it again.
    public mutating func next() throws -> XMLStreamEvent? {
        if let failed { throw failed }
        do {
            return try step()
        } catch let error as XMLStreamError {
            failed = error
            throw error
        }
    }

    private var inStanza: Bool { stack.count >= 2 }

    private mutating func consume(to end: Int) throws {
        let n = end - position
        position = end
        started = true
        if stack.isEmpty {
            headerBytes += n
            if headerBytes > XMPPLimits.maximumHeaderBytes { throw XMLStreamError.headerTooLarge(limit: XMPPLimits.maximumHeaderBytes) }
        } else if inStanza {
            stanzaBytes += n
            if stanzaBytes > maximumStanzaBytes { throw XMLStreamError.stanzaTooLarge(limit: maximumStanzaBytes) }
        }
    }

    /// Called when the rest of the buffer is an incomplete token: checks it cannot grow past the limits.
    private func needMore() throws -> XMLStreamEvent? {
        let pending = buffer.count - position
        if stack.isEmpty {
            if headerBytes + pending > XMPPLimits.maximumHeaderBytes { throw XMLStreamError.headerTooLarge(limit: XMPPLimits.maximumHeaderBytes) }
        } else if (inStanza ? stanzaBytes : 0) + pending > maximumStanzaBytes {
            throw XMLStreamError.stanzaTooLarge(limit: maximumStanzaBytes)
        }
        return nil
    }

    private func find(_ pattern: [UInt8], from start: Int) -> Int? {
        guard pattern.count > 0, buffer.count >= pattern.count else { return nil }
        var i = start
        while i + pattern.count <= buffer.count {
            if buffer[i] == pattern[0] && Array(buffer[i..<(i + pattern.count)]) == pattern { return i }
            i += 1
        }
        return nil
    }

    private func hasPrefix(_ p: String, at i: Int) -> Bool? {
        let bytes = Array(p.utf8)
        let available = buffer.count - i
        let n = min(available, bytes.count)
        if Array(buffer[i..<(i + n)]) != Array(bytes[0..<n]) { return false }
        return n == bytes.count ? true : nil
    }

    private mutating func step() throws -> XMLStreamEvent? {
        while position < buffer.count {
            if ended {
                guard isSpace(buffer[position]) else { throw XMLStreamError.afterStreamEnd }
                position += 1
                continue
            }
            if buffer[position] != UInt8(ascii: "<") {
                if let event = try readText() { return event }
                if position < buffer.count && buffer[position] != UInt8(ascii: "<") { return try needMore() }
                continue
            }
            guard position + 1 < buffer.count else { return try needMore() }
            switch buffer[position + 1] {
            case UInt8(ascii: "?"):
                guard !started, stack.isEmpty else { throw XMLStreamError.processingInstruction }
                switch hasPrefix("<?xml ", at: position) {
                case nil: return try needMore()
                case false?: throw XMLStreamError.processingInstruction
                case true?: break
                }
                guard let end = find(Array("?>".utf8), from: position) else { return try needMore() }
                try consume(to: end + 2)
            case UInt8(ascii: "!"):
                let before = position
                if let event = try readBang() { return event }
                if position == before { return try needMore() }
            case UInt8(ascii: "/"):
                guard let end = find([UInt8(ascii: ">")], from: position) else { return try needMore() }
                if let event = try readEndTag(end: end) { return event }
            default:
                guard let end = try scanTagEnd() else { return try needMore() }
                if let event = try readStartTag(end: end) { return event }
            }
        }
        return nil
    }

    // MARK: text

    private mutating func readText() throws -> XMLStreamEvent? {
        var end = position
        while end < buffer.count && buffer[end] != UInt8(ascii: "<") { end += 1 }
        if end == buffer.count {
            // Keep an entity reference or a UTF-8 sequence cut at the end for the next bytes.
            if let amp = buffer[position..<end].lastIndex(of: UInt8(ascii: "&")),
               !buffer[amp..<end].contains(UInt8(ascii: ";")) {
                end = amp
            }
            var lead = end
            var back = 0
            while lead > position && back < 4 && buffer[lead - 1] & 0xC0 == 0x80 { lead -= 1; back += 1 }
            if lead > position {
                let b = buffer[lead - 1]
                let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                if need > 1 && end - (lead - 1) < need { end = lead - 1 }
            }
            if end == position { return nil }
        }
        let raw = Array(buffer[position..<end])
        let text = try Self.decode(raw, attribute: false)
        if inStanza {
            appendText(text)
        } else if !raw.allSatisfy(isSpace) {
            throw XMLStreamError.textOutsideStanza
        }
        try consume(to: end)
        return nil
    }

    /// Text joins the text just before it (character data, references and CDATA are one text node, as
    /// the writer writes them back).
    private mutating func appendText(_ text: String) {
        let last = stack.count - 1
        if case .text(let previous)? = stack[last].element.children.last {
            stack[last].element.children[stack[last].element.children.count - 1] = .text(previous + text)
        } else {
            stack[last].element.children.append(.text(text))
        }
    }

    private mutating func readBang() throws -> XMLStreamEvent? {
        switch hasPrefix("<!--", at: position) {
        case true?: throw XMLStreamError.comment
        case nil: return nil
        case false?: break
        }
        switch hasPrefix("<![CDATA[", at: position) {
        case true?:
            guard inStanza else { throw XMLStreamError.malformed("CDATA outside a stanza") }
            guard let end = find(Array("]]>".utf8), from: position + 9) else { return nil }
            appendText(try Self.checkedString(Array(buffer[(position + 9)..<end])))
            try consume(to: end + 3)
            return nil
        case nil: return nil
        case false?: throw XMLStreamError.doctype
        }
    }

    // MARK: tags

    /// The index of the `>` ending the start tag at `position`, scanning quoted values; resumable.
    private mutating func scanTagEnd() throws -> Int? {
        var (i, quote) = tagScan ?? (position + 1, nil)
        while i < buffer.count {
            let b = buffer[i]
            if let q = quote {
                if b == q { quote = nil } else if b == UInt8(ascii: "<") { throw XMLStreamError.malformed("< in an attribute value") }
            } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                quote = b
            } else if b == UInt8(ascii: ">") {
                tagScan = nil
                return i
            } else if b == UInt8(ascii: "<") {
                throw XMLStreamError.malformed("< inside a tag")
            }
            i += 1
        }
        tagScan = (i, quote)
        return nil
    }

    private mutating func readStartTag(end: Int) throws -> XMLStreamEvent? {
        var i = position + 1
        var selfClosing = false
        var tagEnd = end
        if buffer[end - 1] == UInt8(ascii: "/") && end - 1 > position { selfClosing = true; tagEnd = end - 1 }
        let qname = try readName(&i, limit: tagEnd)
        var attributes: [(String, String)] = []
        while true {
            let before = i
            while i < tagEnd && isSpace(buffer[i]) { i += 1 }
            if i >= tagEnd { break }
            guard i > before else { throw XMLStreamError.malformed("no space before an attribute of <\(qname.prefix(64))>") }
            let name = try readName(&i, limit: tagEnd)
            while i < tagEnd && isSpace(buffer[i]) { i += 1 }
            guard i < tagEnd, buffer[i] == UInt8(ascii: "=") else { throw XMLStreamError.malformed("an attribute without a value") }
            i += 1
            while i < tagEnd && isSpace(buffer[i]) { i += 1 }
            guard i < tagEnd, buffer[i] == UInt8(ascii: "\"") || buffer[i] == UInt8(ascii: "'") else {
                throw XMLStreamError.malformed("an unquoted attribute value")
            }
            let q = buffer[i]
            var j = i + 1
            while j < tagEnd && buffer[j] != q { j += 1 }
            guard j < tagEnd else { throw XMLStreamError.malformed("an unterminated attribute value") }
            let value = try Self.decode(Array(buffer[(i + 1)..<j]), attribute: true)
            i = j + 1
            if attributes.contains(where: { $0.0 == name }) { throw XMLStreamError.duplicateAttribute(name) }
            attributes.append((name, value))
            if attributes.count > XMPPLimits.maximumAttributes { throw XMLStreamError.tooManyAttributes(limit: XMPPLimits.maximumAttributes) }
        }
        guard stack.count < maximumDepth else { throw XMLStreamError.tooDeep(limit: maximumDepth) }

        var scope = stack.last?.scope ?? [:]
        var kept: [XMLElement.Attribute] = []
        for (name, value) in attributes {
            if name == "xmlns" {
                scope[""] = value
            } else if name.hasPrefix("xmlns:") {
                let prefix = String(name.dropFirst(6))
                guard !prefix.isEmpty, !value.isEmpty else { throw XMLStreamError.malformed("an empty namespace declaration") }
                scope[prefix] = value
            } else {
                kept.append(XMLElement.Attribute(name, value))
            }
        }
        for a in kept {
            if let colon = a.name.firstIndex(of: ":") {
                let prefix = String(a.name[..<colon])
                if prefix != "xml" && scope[prefix] == nil { throw XMLStreamError.unboundPrefix(prefix) }
            }
        }
        let local: String
        let namespace: String
        if let colon = qname.firstIndex(of: ":") {
            let prefix = String(qname[..<colon])
            local = String(qname[qname.index(after: colon)...])
            guard !local.isEmpty, !local.contains(":") else { throw XMLStreamError.malformed("the name \(qname.prefix(64))") }
            if prefix == "xml" { namespace = Self.xmlNamespace } else {
                guard let ns = scope[prefix] else { throw XMLStreamError.unboundPrefix(prefix) }
                namespace = ns
            }
        } else {
            local = qname
            namespace = scope[""] ?? ""
        }
        let element = XMLElement(local, namespace: namespace, attributes: kept)

        if stack.isEmpty {
            guard local == "stream", namespace == Self.streamsNamespace, !selfClosing else { throw XMLStreamError.notAStream }
            try consume(to: end + 1)
            stack.append(Frame(qualifiedName: qname, element: element, scope: scope))
            return .header(element)
        }
        if stack.count == 1 { stanzaBytes = 0 }
        stack.append(Frame(qualifiedName: qname, element: element, scope: scope))
        try consume(to: end + 1)
        if selfClosing { return close() }
        return nil
    }

    private mutating func readEndTag(end: Int) throws -> XMLStreamEvent? {
        var i = position + 2
        let qname = try readName(&i, limit: end)
        while i < end && isSpace(buffer[i]) { i += 1 }
        guard i == end else { throw XMLStreamError.malformed("junk in the end tag </\(qname.prefix(64))>") }
        guard let top = stack.last else { throw XMLStreamError.unbalancedTag(expected: "", found: qname) }
        guard top.qualifiedName == qname else { throw XMLStreamError.unbalancedTag(expected: top.qualifiedName, found: qname) }
        if stack.count == 1 {
            position = end + 1
            stack.removeAll()
            ended = true
            return .end
        }
        try consume(to: end + 1)
        return close()
    }

    /// Pops the finished element: a stanza when it was top-level, else a child of its parent.
    private mutating func close() -> XMLStreamEvent? {
        let done = stack.removeLast().element
        if stack.count == 1 { return .stanza(done) }
        stack[stack.count - 1].element.children.append(.element(done))
        return nil
    }

    private func readName(_ i: inout Int, limit: Int) throws -> String {
        let start = i
        while i < limit {
            let b = buffer[i]
            if isSpace(b) || b == UInt8(ascii: "/") || b == UInt8(ascii: ">") || b == UInt8(ascii: "=")
                || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") || b == UInt8(ascii: "<") || b == UInt8(ascii: "&") {
                break
            }
            i += 1
        }
        guard i > start else { throw XMLStreamError.malformed("a missing name") }
        let first = buffer[start]
        if first == UInt8(ascii: "-") || first == UInt8(ascii: ".") || first == UInt8(ascii: ":")
            || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) {
            throw XMLStreamError.malformed("a name starting with a digit, '-', '.' or ':'")
        }
        return try Self.checkedString(Array(buffer[start..<i]))
    }

    // MARK: characters

    private func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }

    static func isXMLChar(_ v: UInt32) -> Bool {
        v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD)
            || (v >= 0x10000 && v <= 0x10FFFF)
    }

    /// Valid UTF-8 of characters XML allows.
    static func checkedString(_ bytes: [UInt8]) throws -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else { throw XMLStreamError.invalidUTF8 }
        for c in s.unicodeScalars where !isXMLChar(c.value) { throw XMLStreamError.invalidCharacter(c.value) }
        return s
    }

    /// Text or an attribute value with its references resolved (attribute values: literal tabs and
    /// line ends become spaces, as XML's attribute-value normalisation says).
    static func decode(_ bytes: [UInt8], attribute: Bool) throws -> String {
        let s = try checkedString(bytes)
        guard s.utf8.contains(UInt8(ascii: "&")) || (attribute && s.utf8.contains(where: { $0 == 9 || $0 == 10 || $0 == 13 })) else {
            return s
        }
        var out = String.UnicodeScalarView()
        var scalars = s.unicodeScalars[...]
        while let c = scalars.first {
            scalars = scalars.dropFirst()
            if c == "&" {
                guard let semi = scalars.firstIndex(of: ";") else { throw XMLStreamError.malformed("an unterminated reference") }
                let name = String(String.UnicodeScalarView(scalars[..<semi]))
                scalars = scalars[scalars.index(after: semi)...]
                switch name {
                case "amp": out.append("&")
                case "lt": out.append("<")
                case "gt": out.append(">")
                case "quot": out.append("\"")
                case "apos": out.append("'")
                default:
                    guard name.hasPrefix("#") else { throw XMLStreamError.unknownEntity(name) }
                    var digits = name.dropFirst()
                    var radix = 10
                    if digits.hasPrefix("x") { digits = digits.dropFirst(); radix = 16 }
                    guard !digits.isEmpty, digits.count <= 8, let v = UInt32(digits, radix: radix), isXMLChar(v),
                          let scalar = Unicode.Scalar(v) else {
                        throw XMLStreamError.invalidCharacterReference(name)
                    }
                    out.append(scalar)
                }
            } else if attribute && (c == "\t" || c == "\n" || c == "\r") {
                out.append(" ")
            } else {
                out.append(c)
            }
        }
        return String(out)
    }
}
