import FuzzSupport
import XMPP

/// libFuzzer entry. Input: one byte choosing the hash (even: SHA-256, odd: SHA-1), then the server-first
/// message up to a 0 byte, then the server-final message.
///
/// The client must never crash; it answers only a server-first message whose nonce extends ours and whose
/// iteration count is within the bounds, with a client-final message carrying that nonce; and it accepts a
/// server-final message only if it is the server signature (which random input cannot forge).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSCRAM(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzBytes(data, size)
    guard let byte = input.u8() else { return 0 }
    let rest = Array(input.rest())
    let split = rest.firstIndex(of: 0) ?? rest.count
    var serverFirst = Array(rest[..<split])
    let serverFinal = split < rest.count ? Array(rest[(split + 1)...]) : []
    // Most inputs name the right nonce prefix so that the rest of the parser is reached.
    let nonce = "fuzznonce"
    if serverFirst.starts(with: Array("r=".utf8)) { serverFirst.insert(contentsOf: Array(nonce.utf8), at: 2) }
    guard var client = try? SCRAMClient(hash: byte % 2 == 0 ? .sha256 : .sha1, username: "user", password: "pencil", nonce: nonce) else {
        fuzzCheck(false, "the client refused valid credentials")
        return 0
    }
    _ = client.clientFirst()
    guard let final = try? client.clientFinal(serverFirst: serverFirst) else { return 0 }
    let text = String(decoding: final, as: UTF8.self)
    fuzzCheck(text.hasPrefix("c=biws,r=\(nonce)"), "a client-final message without our nonce")
    fuzzCheck(text.contains(",p="), "a client-final message without a proof")
    if (try? client.verify(serverFinal: serverFinal)) != nil {
        fuzzCheck(serverFinal.starts(with: Array("v=".utf8)), "accepted a server-final message that is not v=")
    }
    return 0
}
