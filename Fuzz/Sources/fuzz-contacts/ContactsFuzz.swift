import RFBTransport

/// libFuzzer entry: the bytes are a contacts file. It must parse or throw; what parses must survive
/// being written out (one `Contact.description` line each) and read back unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzContacts(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let contacts = try? ContactBook.parse(bytes, path: "fuzz") else { return 0 }
    let text = contacts.map { $0.description + "\n" }.joined()
    do {
        let again = try ContactBook.parse(Array(text.utf8), path: "fuzz")
        if again != contacts { fail("contacts changed on a round trip:\n\(text)") }
    } catch {
        fail("written contacts do not parse: \(error)\n\(text)")
    }
    return 0
}

func fail(_ message: String) -> Never {
    preconditionFailure(message)
}
