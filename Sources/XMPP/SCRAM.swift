import Crypto
import Foundation

/// A SCRAM client (RFC 5802, RFC 7677) as a value: it writes the client-first message, checks the
/// server-first message and answers it with the proof, then verifies the server's signature. No channel
/// binding (GS2 header "n,,"). Iteration counts outside 4096...`XMPPLimits.maximumSCRAMIterations` are
/// refused before any hashing.
///
/// SASLprep is kept minimal: the username's "=" and "," are escaped as "=3D" and "=2C" (RFC 5802), and a
/// username or password with a control character, or that is empty, is refused; other characters are
/// used as their UTF-8 bytes without normalisation (so a non-ASCII password must be given in NFC, as
/// servers store it).
public struct SCRAMClient: Sendable {
    public enum Hash: String, Sendable, CaseIterable {
        case sha1 = "SCRAM-SHA-1"
        case sha256 = "SCRAM-SHA-256"
        public var mechanism: String { rawValue }
    }

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case badCredentials(String)
        case malformed(String)
        case nonceMismatch
        case iterationsOutOfRange(Int)
        case serverError(String)
        case serverSignatureMismatch
        case outOfOrder

        public var description: String {
            switch self {
            case .badCredentials(let why): return "SCRAM: \(why)"
            case .malformed(let why): return "SCRAM: the server's message is malformed (\(why))"
            case .nonceMismatch: return "SCRAM: the server's nonce does not start with ours"
            case .iterationsOutOfRange(let n): return "SCRAM: the server asks for \(n) iterations (allowed: 4096 to \(XMPPLimits.maximumSCRAMIterations))"
            case .serverError(let e): return "SCRAM: the server says \(e.prefix(64))"
            case .serverSignatureMismatch: return "SCRAM: the server's signature is wrong (it does not know the password)"
            case .outOfOrder: return "SCRAM: messages out of order"
            }
        }
    }

    public static let minimumIterations = 4096

    public let hash: Hash
    private let username: String
    private let password: String
    private let clientNonce: String
    private var clientFirstBare = ""
    private var expectedServerSignature: [UInt8]?
    private var state = 0

    /// `nonce` is for tests (the RFC vectors); by default 24 random bytes, base64.
    public init(hash: Hash, username: String, password: String, nonce: String? = nil) throws {
        for (what, s) in [("username", username), ("password", password)] {
            guard !s.isEmpty else { throw Failure.badCredentials("an empty \(what)") }
            guard !s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) }) else {
                throw Failure.badCredentials("a control character in the \(what)")
            }
        }
        self.hash = hash
        self.username = username
        self.password = password
        if let nonce {
            clientNonce = nonce
        } else {
            var rng = SystemRandomNumberGenerator()
            clientNonce = Data((0..<24).map { _ in UInt8.random(in: 0...255, using: &rng) }).base64EncodedString()
        }
    }

    static func escapeUsername(_ s: String) -> String {
        s.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
    }

    /// The client-first message ("n,,n=USER,r=NONCE").
    public mutating func clientFirst() -> [UInt8] {
        clientFirstBare = "n=\(Self.escapeUsername(username)),r=\(clientNonce)"
        state = 1
        return Array(("n,," + clientFirstBare).utf8)
    }

    /// Parses "a=value" fields; values may contain "=" (base64).
    static func fields(_ message: String) throws -> [(Character, String)] {
        try message.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard part.count >= 2, let key = part.first, part[part.index(after: part.startIndex)] == "=" else {
                throw Failure.malformed("a field without a name")
            }
            return (key, String(part.dropFirst(2)))
        }
    }

    /// Checks the server-first message and returns the client-final message with the proof.
    public mutating func clientFinal(serverFirst bytes: [UInt8]) throws -> [UInt8] {
        guard state == 1 else { throw Failure.outOfOrder }
        state = 2
        guard bytes.count <= 4096, let serverFirst = String(validating: bytes, as: UTF8.self) else {
            throw Failure.malformed("not UTF-8 or too long")
        }
        let f = try Self.fields(serverFirst)
        guard f.count >= 3, f[0].0 == "r", f[1].0 == "s", f[2].0 == "i" else {
            if f.first?.0 == "m" { throw Failure.malformed("an extension the client does not know") }
            throw Failure.malformed("expected r=, s=, i=")
        }
        let nonce = f[0].1
        guard nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count,
              nonce.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ",") }) else {
            throw Failure.nonceMismatch
        }
        guard let salt = Data(base64Encoded: f[1].1), !salt.isEmpty else { throw Failure.malformed("the salt is not base64") }
        guard f[2].1.count <= 10, f[2].1.allSatisfy(\.isASCII), let iterations = Int(f[2].1) else {
            throw Failure.malformed("the iteration count is not a number")
        }
        guard iterations >= Self.minimumIterations, iterations <= XMPPLimits.maximumSCRAMIterations else {
            throw Failure.iterationsOutOfRange(iterations)
        }
        let salted = Self.pbkdf2(hash: hash, password: Array(password.utf8), salt: Array(salt), iterations: iterations)
        let clientKey = Self.hmac(hash, key: salted, Array("Client Key".utf8))
        let storedKey = Self.digest(hash, clientKey)
        let withoutProof = "c=biws,r=\(nonce)"
        let authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
        let clientSignature = Self.hmac(hash, key: storedKey, authMessage)
        let proof = zip(clientKey, clientSignature).map { $0 ^ $1 }
        let serverKey = Self.hmac(hash, key: salted, Array("Server Key".utf8))
        expectedServerSignature = Self.hmac(hash, key: serverKey, authMessage)
        return Array("\(withoutProof),p=\(Data(proof).base64EncodedString())".utf8)
    }

    /// Verifies the server-final message ("v=SIGNATURE"); throws unless the server proved it knows the key.
    public mutating func verify(serverFinal bytes: [UInt8]) throws {
        guard state == 2, let expected = expectedServerSignature else { throw Failure.outOfOrder }
        state = 3
        guard bytes.count <= 1024, let text = String(validating: bytes, as: UTF8.self) else { throw Failure.malformed("not UTF-8 or too long") }
        let f = try Self.fields(text)
        guard let first = f.first else { throw Failure.malformed("empty") }
        if first.0 == "e" { throw Failure.serverError(first.1) }
        guard first.0 == "v", let signature = Data(base64Encoded: first.1) else { throw Failure.malformed("expected v=") }
        // Compared in full whatever the first difference (no early exit).
        guard signature.count == expected.count, zip(signature, expected).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw Failure.serverSignatureMismatch
        }
    }

    static func hmac(_ hash: Hash, key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        let k = SymmetricKey(data: key)
        switch hash {
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: k))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: message, using: k))
        }
    }

    static func digest(_ hash: Hash, _ data: [UInt8]) -> [UInt8] {
        switch hash {
        case .sha1: return Array(Insecure.SHA1.hash(data: data))
        case .sha256: return Array(SHA256.hash(data: data))
        }
    }

    /// Hi() of RFC 5802: PBKDF2 with HMAC, one block (the output is one hash long).
    static func pbkdf2(hash: Hash, password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = SymmetricKey(data: password)
        func mac(_ m: [UInt8]) -> [UInt8] {
            switch hash {
            case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: m, using: key))
            case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: m, using: key))
            }
        }
        var u = mac(salt + [0, 0, 0, 1])
        var result = u
        if iterations > 1 {
            for _ in 2...iterations {
                u = mac(u)
                for j in 0..<result.count { result[j] ^= u[j] }
            }
        }
        return result
    }
}
