import XCTest
@testable import XMPP

final class XMLStreamReaderTests: XCTestCase {
    let header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='abc' from='example.org' version='1.0'>"

    /// All events of the text fed in chunks of `chunk` bytes.
    func events(_ text: String, chunk: Int = 1 << 30) throws -> [XMLStreamEvent] {
        var reader = XMLStreamReader()
        var out: [XMLStreamEvent] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            reader.feed(bytes[i..<min(bytes.count, i + chunk)])
            i += chunk
            while let e = try reader.next() { out.append(e) }
        }
        return out
    }

    func error(_ text: String, chunk: Int = 1 << 30) -> XMLStreamError? {
        do {
            _ = try events(text, chunk: chunk)
            return nil
        } catch let e as XMLStreamError {
            return e
        } catch {
            return nil
        }
    }

    func testHeaderThenStanzasInAnyChunking() throws {
        let text = header + "<message to='a@b/c' type='chat'><body>hi &amp; &lt;bye&gt; &#x263A;&#65;</body><x xmlns='urn:x' a=\"1&quot;\"/></message> \n<presence/><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features></stream:stream>"
        let whole = try events(text)
        XCTAssertEqual(whole.count, 5)
        guard case .header(let h) = whole[0], case .stanza(let m) = whole[1], case .stanza(let p) = whole[2],
              case .stanza(let f) = whole[3] else { return XCTFail("\(whole)") }
        XCTAssertEqual(whole[4], .end)
        XCTAssertEqual(h.name, "stream")
        XCTAssertEqual(h[attribute: "id"], "abc")
        XCTAssertEqual(m.name, "message")
        XCTAssertEqual(m.namespace, "jabber:client")
        XCTAssertEqual(m[attribute: "to"], "a@b/c")
        XCTAssertEqual(m.child("body")?.text, "hi & <bye> \u{263A}A")
        XCTAssertEqual(m.child("x")?.namespace, "urn:x")
        XCTAssertEqual(m.child("x")?[attribute: "a"], "1\"")
        XCTAssertEqual(p.name, "presence")
        XCTAssertEqual(f.name, "features")
        XCTAssertEqual(f.namespace, XMLStreamReader.streamsNamespace)
        XCTAssertEqual(f.child("starttls", namespace: "urn:ietf:params:xml:ns:xmpp-tls")?.child("required")?.name, "required")
        for chunk in [1, 2, 3, 7, 64] {
            XCTAssertEqual(try events(text, chunk: chunk), whole, "chunk \(chunk)")
        }
    }

    func testMultibyteUTF8SplitAcrossChunks() throws {
        let text = header + "<message><body>Grüße 😀 ü</body></message>"
        for chunk in 1...5 {
            let e = try events(text, chunk: chunk)
            guard e.count == 2, case .stanza(let m) = e[1] else { return XCTFail("chunk \(chunk): \(e)") }
            XCTAssertEqual(m.child("body")?.text, "Grüße 😀 ü")
        }
    }

    func testCDATAIsText() throws {
        let e = try events(header + "<message><body><![CDATA[<b>&amp;</b>]]><i/></body></message>", chunk: 3)
        guard case .stanza(let m) = e[1] else { return XCTFail() }
        XCTAssertEqual(m.child("body")?.text, "<b>&amp;</b>")
        XCTAssertEqual(m.child("body")?.child("i")?.name, "i")
    }

    /// Text, a reference and CDATA side by side are one text node, as the writer writes them back
    /// (the fuzz target's first seed found them as two, which did not survive writing and reading).
    func testTextAndCDATASideBySideAreOneTextNode() throws {
        let e = try events(header + "<message><body>hi &amp; <![CDATA[<x>]]> bye</body></message>", chunk: 5)
        guard e.count == 2, case .stanza(let m) = e[1] else { return XCTFail("\(e)") }
        XCTAssertEqual(m.child("body")?.children, [.text("hi & <x> bye")])
        let written = header + XMLWriter.string(m, parentNamespace: "jabber:client")
        XCTAssertEqual(try events(written, chunk: 1000).last, .stanza(m))
    }

    func testRefusals() {
        XCTAssertEqual(error("<!DOCTYPE stream [<!ENTITY x 'y'>]>" + header), .doctype)
        XCTAssertEqual(error(header + "<!DOCTYPE x>"), .doctype)
        XCTAssertEqual(error(header + "<?php x?>"), .processingInstruction)
        XCTAssertEqual(error(header + "<?xml version='1.0'?>"), .processingInstruction)
        XCTAssertEqual(error(header + "<message><!-- hi --></message>"), .comment)
        XCTAssertEqual(error(header + "<message>&x;</message>"), .unknownEntity("x"))
        XCTAssertEqual(error(header + "<message a='&lol;'/>"), .unknownEntity("lol"))
        XCTAssertEqual(error(header + "<message>&#0;</message>"), .invalidCharacterReference("#0"))
        XCTAssertEqual(error(header + "<message>&#xD800;</message>"), .invalidCharacterReference("#xD800"))
        XCTAssertEqual(error(header + "<message>&#x110000;</message>"), .invalidCharacterReference("#x110000"))
        XCTAssertEqual(error(header + "<message>\u{1}</message>"), .invalidCharacter(1))
        XCTAssertEqual(error(header + "<message></presence>"), .unbalancedTag(expected: "message", found: "presence"))
        XCTAssertEqual(error(header + "<message a='1' a='2'/>"), .duplicateAttribute("a"))
        XCTAssertEqual(error(header + "<foo:message/>"), .unboundPrefix("foo"))
        XCTAssertEqual(error(header + "hello"), .textOutsideStanza)
        XCTAssertEqual(error("<html>"), .notAStream)
        XCTAssertEqual(error(header + "</stream:stream><message/>"), .afterStreamEnd)
    }

    func testInvalidUTF8IsRefused() {
        var reader = XMLStreamReader()
        reader.feed(Array(header.utf8) + Array("<message><body>".utf8) + [0xC3, 0x28] + Array("</body></message>".utf8))
        XCTAssertThrowsError(try { while try reader.next() != nil {} }()) { XCTAssertEqual($0 as? XMLStreamError, .invalidUTF8) }
        // An error is final.
        XCTAssertThrowsError(try reader.next())
    }

    func testStanzaSizeLimitBeforeTheStanzaEnds() throws {
        var reader = XMLStreamReader()
        reader.feed(Array((header + "<message><body>").utf8))
        while try reader.next() != nil {}
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 64 * 1024)
        var thrown: Error?
        for _ in 0..<5 {
            reader.feed(chunk)
            do { while try reader.next() != nil {} } catch { thrown = error; break }
        }
        XCTAssertEqual(thrown as? XMLStreamError, .stanzaTooLarge(limit: XMPPLimits.maximumStanzaBytes))
        // A huge start tag with no end is refused as well, without waiting for its '>'.
        var second = XMLStreamReader()
        second.feed(Array((header + "<message a='").utf8))
        second.feed([UInt8](repeating: UInt8(ascii: "b"), count: XMPPLimits.maximumStanzaBytes + 1))
        guard case .header? = try second.next() else { return XCTFail("no header") }
        XCTAssertThrowsError(try second.next()) { XCTAssertEqual($0 as? XMLStreamError, .stanzaTooLarge(limit: XMPPLimits.maximumStanzaBytes)) }
    }

    func testStanzaJustUnderTheLimitPasses() throws {
        let open = "<message><body>", close = "</body></message>"
        let filler = String(repeating: "x", count: XMPPLimits.maximumStanzaBytes - open.utf8.count - close.utf8.count)
        let e = try events(header + open + filler + close, chunk: 4096)
        XCTAssertEqual(e.count, 2)
        XCTAssertNotNil(error(header + open + filler + "y" + close, chunk: 4096))
        // The limit is per stanza: a second stanza after a large first one starts from zero.
        XCTAssertEqual(try events(header + open + filler + close + "<presence/>", chunk: 4096).count, 3)
    }

    func testDepthLimit() throws {
        let deep = String(repeating: "<a>", count: XMPPLimits.maximumDepth)
        XCTAssertEqual(error(header + deep), .tooDeep(limit: XMPPLimits.maximumDepth))
        let ok = String(repeating: "<a>", count: XMPPLimits.maximumDepth - 1) + String(repeating: "</a>", count: XMPPLimits.maximumDepth - 1)
        XCTAssertEqual(try events(header + ok).count, 2)
    }

    func testWriterOutputReadsBack() throws {
        var m = XMLElement("message", namespace: "jabber:client", attributes: [.init("to", "a@b/'\"<&>")])
        var body = XMLElement("body", namespace: "jabber:client")
        body.append(text: "1 < 2 & \"3\" > ]]> \r\n\t")
        m.append(body)
        m.append(XMLElement("x", namespace: "urn:other", attributes: [.init("v", "line\nbreak\ttab")]))
        let text = header + XMLWriter.string(m, parentNamespace: "jabber:client")
        let e = try events(text)
        guard case .stanza(let back) = e[1] else { return XCTFail() }
        XCTAssertEqual(back, m)
    }
}
