/// Why the contacts file or a contact is refused.
public enum ContactBookError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A line of the file is malformed (`line` counts from 1).
    case malformedLine(path: String, line: Int, reason: String)
    case fileTooLarge(path: String, limit: Int)
    case tooManyContacts(limit: Int)
    /// The contacts file can be changed by group or others, who could then make themselves trusted.
    case unsafePermissions(path: String, mode: UInt32)
    /// The folder of the contacts file can be written by group or others.
    case unsafeDirectory(path: String, mode: UInt32)
    case invalidName(String, reason: String)
    case invalidAddress(String)
    case invalidJID(String, reason: String)
    case duplicateJID(String, existingName: String)
    case duplicateName(String)
    case duplicateFingerprint(Fingerprint, existingName: String)
    case notFound(String)
    case file(FileAccessError)

    public var description: String {
        switch self {
        case .malformedLine(let path, let line, let reason):
            return "\(path):\(line): \(reason)"
        case .fileTooLarge(let path, let limit):
            return "\(path): contacts file is larger than \(limit) bytes"
        case .tooManyContacts(let limit):
            return "more than \(limit) contacts"
        case .unsafePermissions(let path, let mode):
            return "Permissions \(SecureFile.octal(mode)) for '\(path)' are too open: others could add themselves as "
                + "trusted contacts. The file will be ignored. (Fix with: chmod 600 '\(path)')"
        case .unsafeDirectory(let path, let mode):
            return "Permissions \(SecureFile.octal(mode)) for directory '\(path)' are too open: others could replace "
                + "the contacts file. (Fix with: chmod 700 '\(path)')"
        case .invalidName(let name, let reason):
            return "invalid contact name \(name.debugDescription): \(reason)"
        case .invalidAddress(let reason):
            return "invalid address: \(reason)"
        case .invalidJID(let jid, let reason):
            return "invalid XMPP address \(jid.debugDescription): \(reason)"
        case .duplicateJID(let jid, let existingName):
            return "XMPP address \(jid) already belongs to contact \(existingName.debugDescription)"
        case .duplicateName(let name):
            return "a contact named \(name.debugDescription) already exists"
        case .duplicateFingerprint(let fingerprint, let existingName):
            return "fingerprint \(fingerprint) already belongs to contact \(existingName.debugDescription)"
        case .notFound(let name):
            return "no contact named \(name.debugDescription)"
        case .file(let error):
            return error.description
        }
    }
}
