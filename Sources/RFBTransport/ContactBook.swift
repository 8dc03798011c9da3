/// The contacts file (`contacts` in the config folder): the peers whose certificates are trusted.
/// Names are unique regardless of ASCII case, and so are fingerprints. Saved atomically with mode 0600.
public struct ContactBook: Sendable {
    public static let fileName = "contacts"
    public static let maximumFileSize = 1 << 20
    public static let maximumContacts = 10_000

    /// The folder holding the file.
    public let directory: String
    /// The contacts, in file order.
    public private(set) var contacts: [Contact]

    public var path: String { directory + "/" + Self.fileName }

    /// An empty book for `directory` (nothing is written until `save()`).
    public init(directory: String) {
        self.directory = directory
        self.contacts = []
    }

    /// Reads `contacts` from `directory` (default: ``ConfigDirectory/current()``); a missing file is an
    /// empty book. Refuses a file over 1 MiB, over 10 000 contacts, writable by group or others (or in a
    /// folder they can write), or with any malformed line.
    public static func load(directory: String? = nil) throws -> ContactBook {
        var book = ContactBook(directory: try directory ?? ConfigDirectory.current())
        let path = book.path
        let contents: SecureFile.Contents?
        do {
            contents = try SecureFile.load(path, limit: maximumFileSize)
        } catch let error as FileAccessError {
            if error == SecureFile.tooLarge(path, limit: maximumFileSize) { throw ContactBookError.fileTooLarge(path: path, limit: maximumFileSize) }
            throw ContactBookError.file(error)
        }
        guard let contents else { return book }
        if let folderMode = try? SecureFile.mode(of: book.directory), folderMode & 0o022 != 0 {
            throw ContactBookError.unsafeDirectory(path: book.directory, mode: folderMode)
        }
        guard contents.mode & 0o022 == 0 else { throw ContactBookError.unsafePermissions(path: path, mode: contents.mode) }
        book.contacts = try ContactsFile.parse(contents.bytes, path: path, limit: maximumContacts)
        return book
    }

    /// Parses the text of a contacts file (hostile input: see `ContactsFile`); errors name `path` and the line.
    public static func parse(_ bytes: [UInt8], path: String = fileName) throws -> [Contact] {
        try ContactsFile.parse(bytes, path: path, limit: maximumContacts)
    }

    /// Adds a contact; the name, fingerprint and JID (if any) must all be new.
    @discardableResult
    public mutating func add(name: String, fingerprint: Fingerprint, address: ContactAddress? = nil, jid: String? = nil) throws -> Contact {
        let new = try Contact(name: name, fingerprint: fingerprint, address: address, jid: jid)
        if contact(named: name) != nil { throw ContactBookError.duplicateName(name) }
        if let owner = contact(withFingerprint: fingerprint) {
            throw ContactBookError.duplicateFingerprint(fingerprint, existingName: owner.name)
        }
        if let jid, let owner = contact(withJID: jid) { throw ContactBookError.duplicateJID(jid, existingName: owner.name) }
        guard contacts.count < Self.maximumContacts else { throw ContactBookError.tooManyContacts(limit: Self.maximumContacts) }
        contacts.append(new)
        return new
    }

    /// Removes the contact with this name (ASCII case ignored) and returns it.
    @discardableResult
    public mutating func remove(name: String) throws -> Contact {
        let key = Self.foldedName(name)
        guard let index = contacts.firstIndex(where: { Self.foldedName($0.name) == key }) else {
            throw ContactBookError.notFound(name)
        }
        return contacts.remove(at: index)
    }

    /// The contact with this name, ignoring ASCII case.
    public func contact(named name: String) -> Contact? {
        let key = Self.foldedName(name)
        return contacts.first { Self.foldedName($0.name) == key }
    }

    public func contact(withFingerprint fingerprint: Fingerprint) -> Contact? {
        contacts.first { $0.fingerprint == fingerprint }
    }

    /// The contact with this bare JID (ASCII case ignored: domains are case-free, and two local parts
    /// differing only in case are one account on every common server).
    public func contact(withJID jid: String) -> Contact? {
        let key = Self.foldedJID(jid)
        return contacts.first { $0.jid.map(Self.foldedJID) == key }
    }

    /// Replaces the contact with the same name (ASCII case ignored) by `contact`, keeping its place.
    public mutating func update(_ contact: Contact) throws {
        let key = Self.foldedName(contact.name)
        guard let index = contacts.firstIndex(where: { Self.foldedName($0.name) == key }) else {
            throw ContactBookError.notFound(contact.name)
        }
        if let jid = contact.jid, let owner = self.contact(withJID: jid), Self.foldedName(owner.name) != key {
            throw ContactBookError.duplicateJID(jid, existingName: owner.name)
        }
        contacts[index] = contact
    }

    /// Writes the file atomically (temporary file in the same folder, then rename), mode 0600,
    /// creating the folder (0700) if needed. Comments in the old file are not kept.
    public func save() throws {
        do {
            try SecureFile.makePrivateDirectory(directory)
            try SecureFile.replace(path, with: ContactsFile.serialize(contacts), mode: 0o600)
        } catch let error as FileAccessError {
            throw ContactBookError.file(error)
        }
    }

    /// A JID compared the way `contact(withJID:)` does (ASCII case folded).
    public static func foldedJID(_ jid: String) -> String { foldedName(jid) }

    static func foldedName(_ name: String) -> String {
        String(decoding: name.utf8.map { ($0 >= 65 && $0 <= 90) ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
