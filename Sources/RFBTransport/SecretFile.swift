/// A small file only its owner may read: the XMPP account (with its password) and the pairing records.
/// Written atomically with mode 0600 (the folder made 0700 when missing); read bounded, and refused when
/// group or others could read or write it (a password readable by others is a password others have).
public enum SecretFile {
    /// The file's bytes, or nil when it does not exist.
    public static func read(_ path: String, limit: Int) throws -> [UInt8]? {
        guard let contents = try SecureFile.load(path, limit: limit) else { return nil }
        guard contents.mode & 0o077 == 0 else {
            throw FileAccessError(path: path, reason: "permissions \(SecureFile.octal(contents.mode)) let others read or change it "
                + "(fix with: chmod 600 '\(path)')")
        }
        return contents.bytes
    }

    /// Replaces the file (mode 0600), creating its folder (0700) when missing.
    public static func write(_ path: String, _ bytes: [UInt8]) throws {
        try SecureFile.makePrivateDirectory(SecureFile.folder(of: path))
        try SecureFile.replace(path, with: bytes, mode: 0o600)
    }

    /// Removes the file; true when there was one.
    @discardableResult
    public static func remove(_ path: String) throws -> Bool {
        try SecureFile.remove(path)
    }
}
