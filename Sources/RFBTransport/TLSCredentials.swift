public import NIOSSL
import X509

/// The certificate chain and private key this side presents in TLS: our self-signed identity, or a
/// given PEM certificate and key (`--tls-cert FILE --tls-key FILE`, e.g. a CA-signed server certificate
/// that stock viewers check by host name). `description` never shows the key.
public struct TLSCredentials: Sendable, CustomStringConvertible {
    static let maximumFileSize = 1 << 20

    /// Leaf first.
    public let certificateChain: [NIOSSLCertificate]
    let privateKey: NIOSSLPrivateKey
    /// SHA-256 of the leaf certificate: what peers pin.
    public let fingerprint: Fingerprint

    public init(identity: Identity) {
        certificateChain = [identity.certificate]
        privateKey = identity.privateKey
        fingerprint = identity.fingerprint
    }

    /// Loads a PEM certificate chain (leaf first) and its unencrypted PEM private key. The key file must
    /// not be accessible by group or others (as ssh requires), and must belong to the leaf certificate.
    public static func load(certificateFile: String, keyFile: String) throws -> TLSCredentials {
        guard let certificateContents = try read(certificateFile) else {
            throw IdentityError.file(FileAccessError(path: certificateFile, reason: "No such file or directory"))
        }
        guard let keyContents = try read(keyFile) else {
            throw IdentityError.file(FileAccessError(path: keyFile, reason: "No such file or directory"))
        }
        guard keyContents.mode & 0o077 == 0 else {
            throw IdentityError.keyFileTooOpen(path: keyFile, mode: keyContents.mode)
        }
        guard let chain = try? NIOSSLCertificate.fromPEMBytes(certificateContents.bytes), let leaf = chain.first,
              let leafDER = try? leaf.toDERBytes(), let leafX509 = try? Certificate(derEncoded: leafDER)
        else { throw IdentityError.malformed(path: certificateFile, reason: "no PEM certificate") }
        guard let key = try? NIOSSLPrivateKey(bytes: keyContents.bytes, format: .pem),
              let keyText = String(validating: keyContents.bytes, as: UTF8.self),
              let keyX509 = try? Certificate.PrivateKey(pemEncoded: keyText)
        else { throw IdentityError.malformed(path: keyFile, reason: "not an unencrypted PEM private key") }
        guard keyX509.publicKey == leafX509.publicKey else {
            throw IdentityError.keyDoesNotMatchCertificate(keyPath: keyFile, certificatePath: certificateFile)
        }
        return TLSCredentials(certificateChain: chain, privateKey: key, fingerprint: Fingerprint(certificateDER: leafDER))
    }

    private init(certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey, fingerprint: Fingerprint) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.fingerprint = fingerprint
    }

    public var description: String { "TLSCredentials(\(certificateChain.count) certificates, leaf \(fingerprint))" }

    private static func read(_ path: String) throws -> SecureFile.Contents? {
        do {
            return try SecureFile.load(path, limit: maximumFileSize)
        } catch let error as FileAccessError {
            throw IdentityError.file(error)
        }
    }
}
