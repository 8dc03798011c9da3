import FuzzSupport
import XMPP

/// libFuzzer entry. Input: one byte for the chunk size (1 + byte % 64), then the stream's bytes.
///
/// The reader must never crash or hang; fed in chunks it must give exactly the events it gives for the
/// whole input when that input reads without error; and every stanza it returns, written back by
/// `XMLWriter` after a stream header, must read back equal (when its attribute names carry no prefix
/// other than `xml:`, whose declarations the tree does not keep).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStanzaReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzBytes(data, size)
    guard let byte = input.u8() else { return 0 }
    let chunk = 1 + Int(byte % 64)
    let bytes = Array(input.rest())

    let (whole, wholeFailed) = read(bytes, chunk: bytes.count + 1)
    let (chunked, chunkedFailed) = read(bytes, chunk: chunk)
    if !wholeFailed {
        fuzzCheck(!chunkedFailed && chunked == whole, "chunks of \(chunk) read differently from the whole input")
    }
    let header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    for event in whole {
        guard case .stanza(let stanza) = event, plainAttributes(stanza) else { continue }
        let text = header + XMLWriter.string(stanza, parentNamespace: "jabber:client")
        let (back, failed) = read(Array(text.utf8), chunk: text.utf8.count + 1)
        fuzzCheck(!failed && back.count == 2 && back[1] == .stanza(stanza), "a stanza did not survive writing and reading")
    }
    return 0
}

func read(_ bytes: [UInt8], chunk: Int) -> ([XMLStreamEvent], Bool) {
    var reader = XMLStreamReader()
    var events: [XMLStreamEvent] = []
    var i = 0
    while i < bytes.count {
        reader.feed(bytes[i..<min(bytes.count, i + chunk)])
        i += chunk
        do {
            while let e = try reader.next() { events.append(e) }
        } catch {
            return (events, true)
        }
    }
    return (events, false)
}

func plainAttributes(_ e: XMLElement) -> Bool {
    e.attributes.allSatisfy { !$0.name.contains(":") || $0.name.hasPrefix("xml:") } && e.elements.allSatisfy(plainAttributes)
}
