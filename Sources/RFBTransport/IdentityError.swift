/// Why an identity could not be loaded or created. Never contains key material.
public enum IdentityError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The key file can be read or written by group or others; refused as ssh does.
    case keyFileTooOpen(path: String, mode: UInt32)
    /// The folder can be written by group or others, who could replace the key or certificate.
    case directoryTooOpen(path: String, mode: UInt32)
    /// A certificate exists but its private key is missing.
    case keyMissing(keyPath: String, certificatePath: String)
    /// The file is not what it should be (the reason never quotes its contents).
    case malformed(path: String, reason: String)
    /// The certificate does not belong to the private key beside it.
    case keyDoesNotMatchCertificate(keyPath: String, certificatePath: String)
    /// The display name is empty, too long, or has control characters.
    case invalidName(String)
    /// Reading or writing a file failed.
    case file(FileAccessError)

    public var description: String {
        switch self {
        case .keyFileTooOpen(let path, let mode):
            return "Permissions \(SecureFile.octal(mode)) for '\(path)' are too open. "
                + "It is required that your private key files are NOT accessible by others. "
                + "This private key will be ignored. (Fix with: chmod 600 '\(path)')"
        case .directoryTooOpen(let path, let mode):
            return "Permissions \(SecureFile.octal(mode)) for directory '\(path)' are too open: others could replace "
                + "the identity. (Fix with: chmod 700 '\(path)')"
        case .keyMissing(let keyPath, let certificatePath):
            return "certificate '\(certificatePath)' exists but its private key '\(keyPath)' is missing; "
                + "restore the key or remove the certificate to create a new identity (contacts will need the new fingerprint)"
        case .malformed(let path, let reason):
            return "'\(path)': \(reason)"
        case .keyDoesNotMatchCertificate(let keyPath, let certificatePath):
            return "certificate '\(certificatePath)' was not made for the private key '\(keyPath)'"
        case .invalidName(let name):
            return "invalid display name \(name.debugDescription): use 1 to \(Identity.maximumNameLength) characters without control characters"
        case .file(let error):
            return error.description
        }
    }
}
