import Foundation
import RFBTransport

/// One pairing through the XMPP server, from our side: who it is with, our role, our nonce, what we
/// learnt of theirs, and the code once both nonces are known.
public struct PairingRecord: Codable, Equatable, Sendable {
    public enum Role: String, Codable, Sendable {
        /// We sent the request (`contacts add NAME JID`).
        case asker
        /// We accepted their request (`contacts accept JID`).
        case accepter
    }
    public var jid: String
    public var role: Role
    /// The contact name we chose for them.
    public var name: String
    public var ourNonce: String
    /// The asker's commitment, kept by the accepter until the nonce is revealed.
    public var theirCommit: String?
    /// The code to compare, once known.
    public var code: String?

    public init(jid: String, role: Role, name: String, ourNonce: [UInt8], theirCommit: [UInt8]? = nil, code: String? = nil) {
        self.jid = jid
        self.role = role
        self.name = name
        self.ourNonce = Hex.encode(ourNonce)
        self.theirCommit = theirCommit.map(Hex.encode)
        self.code = code
    }

    public var ourNonceBytes: [UInt8]? { Hex.decode(ourNonce, count: PairingCode.nonceBytes) }
    public var theirCommitBytes: [UInt8]? { theirCommit.flatMap { Hex.decode($0, count: PairingCode.nonceBytes) } }
}

/// The pairing records (`xmpp-pairing` in the config folder, JSON, mode 0600: the nonces must stay ours
/// until revealed). At most one record per JID; a file over 1 MiB or 10 000 records, or with a malformed
/// record, is refused.
public struct PairingBook: Sendable {
    public static let fileName = "xmpp-pairing"
    public static let maximumFileSize = 1 << 20
    public static let maximumRecords = 10_000

    public let directory: String
    public private(set) var records: [PairingRecord]

    public init(directory: String, records: [PairingRecord] = []) {
        self.directory = directory
        self.records = records
    }

    public var path: String { directory + "/" + Self.fileName }

    public static func load(directory: String) throws -> PairingBook {
        let book = PairingBook(directory: directory)
        guard let bytes = try SecretFile.read(book.path, limit: maximumFileSize) else { return book }
        let records: [PairingRecord]
        do { records = try JSONDecoder().decode([PairingRecord].self, from: Data(bytes)) } catch {
            throw FileAccessError(path: book.path, reason: "not a pairing file (\(error))")
        }
        guard records.count <= maximumRecords else { throw FileAccessError(path: book.path, reason: "more than \(maximumRecords) records") }
        var seen = Set<String>()
        for r in records {
            guard (try? ContactJID.validate(r.jid)) != nil, (try? Contact.validate(name: r.name)) != nil,
                  r.ourNonceBytes != nil, r.theirCommit == nil || r.theirCommitBytes != nil,
                  r.code.map({ $0.utf8.count == 7 }) ?? true,
                  seen.insert(ContactBook.foldedJID(r.jid)).inserted else {
                throw FileAccessError(path: book.path, reason: "a malformed or repeated record")
            }
        }
        return PairingBook(directory: directory, records: records)
    }

    public func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try SecretFile.write(path, Array(try encoder.encode(records)))
    }

    public func record(for jid: String) -> PairingRecord? {
        let key = ContactBook.foldedJID(jid)
        return records.first { ContactBook.foldedJID($0.jid) == key }
    }

    /// Adds or replaces the record for its JID.
    public mutating func put(_ record: PairingRecord) {
        remove(jid: record.jid)
        records.append(record)
    }

    public mutating func remove(jid: String) {
        let key = ContactBook.foldedJID(jid)
        records.removeAll { ContactBook.foldedJID($0.jid) == key }
    }
}
