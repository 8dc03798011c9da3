public import NIOSSL
import Crypto
import X509

/// This user's TLS identity: a self-signed P-256 certificate and its private key, kept in the config
/// folder (`identity.crt`, and `identity.key` with mode 0600). Made on first use, then reused, so the
/// fingerprint contacts know stays the same.
///
/// `description` and reflection show only the name and fingerprint; the key is never printed.
public struct Identity: Sendable, CustomStringConvertible, CustomReflectable {
    public static let certificateFileName = "identity.crt"
    public static let keyFileName = "identity.key"
    public static let maximumNameLength = 64
    static let maximumFileSize = 64 * 1024

    /// The folder holding the files.
    public let directory: String
    /// The certificate's common name.
    public let displayName: String
    public let certificateDER: [UInt8]
    public let certificatePEM: String
    /// SHA-256 of `certificateDER`.
    public let fingerprint: Fingerprint
    /// The certificate, for TLS.
    public let certificate: NIOSSLCertificate
    /// The private key, for TLS.
    public let privateKey: NIOSSLPrivateKey

    /// Loads the identity in `directory` (default: ``ConfigDirectory/current()``), creating the folder
    /// (0700), key and certificate first if there are none. `name` (default: the login name) is the
    /// certificate's common name when one is created; an existing certificate keeps its name, because a
    /// new certificate would have a new fingerprint.
    public static func loadOrCreate(directory: String? = nil, name: String? = nil) throws -> Identity {
        let folder = try directory ?? ConfigDirectory.current()
        let folderMode: UInt32
        do {
            try SecureFile.makePrivateDirectory(folder)
            folderMode = try SecureFile.mode(of: folder)
        } catch let error as FileAccessError {
            throw IdentityError.file(error)
        }
        guard folderMode & 0o022 == 0 else { throw IdentityError.directoryTooOpen(path: folder, mode: folderMode) }
        let keyPath = folder + "/" + keyFileName
        let certificatePath = folder + "/" + certificateFileName

        let key = try loadOrCreateKey(keyPath: keyPath, certificatePath: certificatePath)
        let certificate = try loadOrCreateCertificate(
            path: certificatePath, key: key, name: name ?? ConfigDirectory.loginName())
        guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else {
            throw IdentityError.keyDoesNotMatchCertificate(keyPath: keyPath, certificatePath: certificatePath)
        }
        do {
            let der = try SelfSignedCertificate.der(certificate)
            let pem = try certificate.serializeAsPEM().pemString
            return Identity(
                directory: folder,
                displayName: SelfSignedCertificate.commonName(of: certificate) ?? "",
                certificateDER: der,
                certificatePEM: pem,
                fingerprint: Fingerprint(certificateDER: der),
                certificate: try NIOSSLCertificate(bytes: der, format: .der),
                privateKey: try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem))
        } catch {
            throw IdentityError.malformed(path: certificatePath, reason: "cannot be used for TLS")
        }
    }

    public var description: String { "Identity(\(displayName.debugDescription), \(fingerprint))" }

    public var customMirror: Mirror {
        Mirror(self, children: ["displayName": displayName, "fingerprint": fingerprint, "directory": directory])
    }

    /// Checks a display name: 1 to 64 characters, no control characters.
    static func validate(name: String) throws {
        guard !name.isEmpty, name.count <= maximumNameLength,
              !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw IdentityError.invalidName(name) }
    }

    private static func loadOrCreateKey(keyPath: String, certificatePath: String) throws -> P256.Signing.PrivateKey {
        if let existing = try readKey(keyPath) { return existing }
        if try readFile(certificatePath) != nil {
            throw IdentityError.keyMissing(keyPath: keyPath, certificatePath: certificatePath)
        }
        let key = P256.Signing.PrivateKey()
        let created: Bool
        do {
            created = try SecureFile.createIfAbsent(keyPath, with: Array(key.pemRepresentation.utf8), mode: 0o600)
        } catch let error as FileAccessError {
            throw IdentityError.file(error)
        }
        if created { return key }
        // Another process created the identity at the same moment: use theirs.
        guard let theirs = try readKey(keyPath) else {
            throw IdentityError.file(FileAccessError(path: keyPath, reason: "disappeared while being created"))
        }
        return theirs
    }

    /// Reads and checks the key file: regular, at most 64 KiB, not accessible by group or others.
    static func readKey(_ path: String) throws -> P256.Signing.PrivateKey? {
        guard let contents = try readFile(path) else { return nil }
        guard contents.mode & 0o077 == 0 else { throw IdentityError.keyFileTooOpen(path: path, mode: contents.mode) }
        guard let text = String(validating: contents.bytes, as: UTF8.self),
              let key = try? P256.Signing.PrivateKey(pemRepresentation: text)
        else { throw IdentityError.malformed(path: path, reason: "not a PEM-encoded P-256 private key") }
        return key
    }

    private static func loadOrCreateCertificate(path: String, key: P256.Signing.PrivateKey, name: String) throws -> Certificate {
        if let existing = try readCertificate(path) { return existing }
        try validate(name: name)
        let certificate: Certificate
        let pem: String
        do {
            certificate = try SelfSignedCertificate.make(name: name, key: key)
            pem = try certificate.serializeAsPEM().pemString + "\n"
        } catch {
            throw IdentityError.malformed(path: path, reason: "cannot create a certificate: \(error)")
        }
        do {
            if try SecureFile.createIfAbsent(path, with: Array(pem.utf8), mode: 0o644) { return certificate }
        } catch let error as FileAccessError {
            throw IdentityError.file(error)
        }
        guard let theirs = try readCertificate(path) else {
            throw IdentityError.file(FileAccessError(path: path, reason: "disappeared while being created"))
        }
        return theirs
    }

    private static func readCertificate(_ path: String) throws -> Certificate? {
        guard let contents = try readFile(path) else { return nil }
        guard let text = String(validating: contents.bytes, as: UTF8.self),
              let certificate = try? Certificate(pemEncoded: text)
        else { throw IdentityError.malformed(path: path, reason: "not a PEM-encoded certificate") }
        return certificate
    }

    private static func readFile(_ path: String) throws -> SecureFile.Contents? {
        do {
            return try SecureFile.load(path, limit: maximumFileSize)
        } catch let error as FileAccessError {
            throw IdentityError.file(error)
        }
    }
}
