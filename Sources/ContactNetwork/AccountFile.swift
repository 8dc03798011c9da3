import RFBTransport
import XMPP

/// The account file `xmpp-account` in the config folder, mode 0600 (it holds the password):
///
///     jid alice@example.org
///     server 127.0.0.1:5222        (optional)
///     ca /etc/ssl/my-server.crt    (optional)
///     password the whole rest of the line
///
/// Parsed as hostile input: at most 64 KiB, LF line ends (a CR before it ignored), no control characters,
/// valid UTF-8, each key once, no unknown keys, `jid` and `password` required.
public enum AccountFile {
    public static let fileName = "xmpp-account"
    public static let maximumFileSize = 64 * 1024

    public static func path(in directory: String) -> String { directory + "/" + fileName }

    /// The account kept in `directory`, or nil when none is set.
    public static func load(directory: String) throws -> XMPPAccount? {
        let path = path(in: directory)
        guard let bytes = try SecretFile.read(path, limit: maximumFileSize) else { return nil }
        return try parse(bytes, path: path)
    }

    public static func save(_ account: XMPPAccount, directory: String) throws {
        try SecretFile.write(path(in: directory), serialize(account))
    }

    @discardableResult
    public static func remove(directory: String) throws -> Bool {
        try SecretFile.remove(path(in: directory))
    }

    public static func parse(_ bytes: [UInt8], path: String = fileName) throws -> XMPPAccount {
        guard bytes.count <= maximumFileSize else { throw AccountFileError.malformedLine(path: path, line: 0, reason: "larger than \(maximumFileSize) bytes") }
        var values: [String: String] = [:]
        var lineNumber = 0
        for raw in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            func fail(_ reason: String) -> AccountFileError { .malformedLine(path: path, line: lineNumber, reason: reason) }
            var line = raw
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.contains(where: { ($0 < 0x20 && $0 != UInt8(ascii: "\t")) || $0 == 0x7F }) { throw fail("control character") }
            guard let text = String(validating: line, as: UTF8.self) else { throw fail("not valid UTF-8") }
            if text.isEmpty || text.hasPrefix("#") { continue }
            let key: String, value: String
            if let space = text.firstIndex(of: " ") {
                key = String(text[..<space])
                value = String(text[text.index(after: space)...])
            } else {
                key = text
                value = ""
            }
            guard ["jid", "server", "ca", "password"].contains(key) else { throw fail("unknown setting \(key.debugDescription)") }
            guard values[key] == nil else { throw fail("\(key) appears twice") }
            guard !value.isEmpty else { throw fail("\(key) has no value") }
            values[key] = value
        }
        func missing(_ key: String) -> AccountFileError { .malformedLine(path: path, line: lineNumber, reason: "no \(key) line") }
        guard let jidText = values["jid"] else { throw missing("jid") }
        guard let password = values["password"] else { throw missing("password") }
        do {
            let jid = try JID(jidText)
            let server = try values["server"].map { try XMPPAccount.parseServer($0) }
            return try XMPPAccount(jid: jid, host: server?.host, port: server?.port ?? XMPPAccount.defaultPort,
                                   caFile: values["ca"], password: password)
        } catch let error as AccountFileError {
            throw AccountFileError.malformedLine(path: path, line: 0, reason: error.description)
        } catch {
            throw AccountFileError.malformedLine(path: path, line: 0, reason: "\(error)")
        }
    }

    public static func serialize(_ account: XMPPAccount) -> [UInt8] {
        var text = "# remote-assist XMPP account (mode 0600: it holds the password; `remote-assist account --remove` deletes it)\n"
        text += "jid \(account.jid)\n"
        if account.host != nil || account.port != XMPPAccount.defaultPort { text += "server \(account.serverText)\n" }
        if let ca = account.caFile { text += "ca \(ca)\n" }
        text += "password \(account.password)\n"
        return Array(text.utf8)
    }
}
