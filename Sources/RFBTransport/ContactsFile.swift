/// The text format of the contacts file, parsed as hostile input:
///
///     # comment
///     NAME FINGERPRINT [HOST:PORT] [xmpp:JID]   # trailing comment
///
/// Fields are separated by spaces or tabs; lines end with LF (a CR before it is ignored); control
/// characters and invalid UTF-8 are refused. Errors name the line, counting from 1.
enum ContactsFile {
    static let header = """
        # remote-assist contacts: NAME FINGERPRINT [HOST:PORT] [xmpp:NAME@SERVER]
        # The fingerprint is SHA-256 of the contact's certificate; check it with them out loud.


        """

    static func parse(_ bytes: [UInt8], path: String, limit: Int) throws -> [Contact] {
        var contacts: [Contact] = []
        var names: [String: Int] = [:]
        var owners: [Fingerprint: String] = [:]
        var jids: [String: String] = [:]
        var lineNumber = 0
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            func fail(_ reason: String) -> ContactBookError {
                .malformedLine(path: path, line: lineNumber, reason: reason)
            }
            var line = rawLine
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.contains(where: { ($0 < 0x20 && $0 != UInt8(ascii: "\t")) || $0 == 0x7F }) {
                throw fail("control character")
            }
            guard String(validating: line, as: UTF8.self) != nil else { throw fail("not valid UTF-8") }
            if let hash = line.firstIndex(of: UInt8(ascii: "#")) { line = line[..<hash] }
            let fields = line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
            if fields.isEmpty { continue }
            guard (2...4).contains(fields.count) else {
                throw fail("expected NAME FINGERPRINT [HOST:PORT] [xmpp:JID], found \(fields.count) fields")
            }
            let name = String(decoding: fields[0], as: UTF8.self)
            let fingerprint: Fingerprint
            var address: ContactAddress? = nil
            var jid: String? = nil
            do {
                try Contact.validate(name: name)
                fingerprint = try Fingerprint.parse(String(decoding: fields[1], as: UTF8.self))
                for field in fields.dropFirst(2).map({ String(decoding: $0, as: UTF8.self) }) {
                    if field.hasPrefix(ContactJID.prefix) {
                        guard jid == nil else { throw fail("two XMPP addresses") }
                        let text = String(field.dropFirst(ContactJID.prefix.count))
                        try ContactJID.validate(text)
                        jid = text
                    } else {
                        guard address == nil, jid == nil else { throw fail("expected NAME FINGERPRINT [HOST:PORT] [xmpp:JID]") }
                        address = try ContactAddress(parsing: field)
                    }
                }
            } catch let error as FingerprintError {
                throw fail(error.description)
            } catch let error as ContactBookError {
                if case .malformedLine = error { throw error }
                throw fail(error.description)
            }
            let key = ContactBook.foldedName(name)
            if let first = names[key] { throw fail("duplicate name \(name.debugDescription) (first on line \(first))") }
            if let owner = owners[fingerprint] {
                throw fail("fingerprint \(fingerprint) already belongs to \(owner.debugDescription)")
            }
            if let jid {
                let folded = ContactBook.foldedName(jid)
                if let owner = jids[folded] { throw fail("XMPP address \(jid) already belongs to \(owner.debugDescription)") }
                jids[folded] = name
            }
            guard contacts.count < limit else { throw fail("more than \(limit) contacts") }
            names[key] = lineNumber
            owners[fingerprint] = name
            contacts.append(try Contact(name: name, fingerprint: fingerprint, address: address, jid: jid))
        }
        return contacts
    }

    static func serialize(_ contacts: [Contact]) -> [UInt8] {
        var text = header
        for contact in contacts { text += contact.description + "\n" }
        return Array(text.utf8)
    }
}
