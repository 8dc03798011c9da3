import RFBTransport

/// Seeds of `fuzz-contacts`: files as `remote-assist contacts add` writes them, and the forms the parser
/// also accepts (hex fingerprints, tabs, CRLF, comments, IPv6 addresses).
enum ContactsSeeds {
    static let t = "fuzz-contacts"

    static func write(_ w: inout SeedWriter) throws {
        guard let a = Fingerprint(bytes: (0..<32).map { UInt8($0) }), let b = Fingerprint(bytes: (0..<32).map { UInt8(255 - $0) }) else {
            return
        }
        let saved = """
            # remote-assist contacts: NAME FINGERPRINT [HOST:PORT]
            # The fingerprint is SHA-256 of the contact's certificate; check it with them out loud.

            alice \(a) alice.example.org:5500
            bob \(b)

            """
        try w.write(t, "saved", Array(saved.utf8))
        try w.write(t, "hex-and-tabs", Array("carol\t\(a.hex)\t[2001:db8::1]:5500 # trailing comment\r\ndave SHA256:\(b.hex) 10.0.0.7:1\n".utf8))
        try w.write(t, "lowercase-base32", Array("e.v-e_1 \(a.description.lowercased()) host-name.example:65535\n".utf8))
        try w.write(t, "duplicate-name", Array("alice \(a)\nALICE \(b)\n".utf8))
        try w.write(t, "comment-only", Array("# nothing here\n\n   \t\n".utf8))
    }
}
