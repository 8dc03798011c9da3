import PeerText

/// Seeds of `fuzz-peer-text`: a limit byte (2 + byte % 200 scalars), then text as a peer may send it:
/// terminal and log attacks, bidi and zero-width characters, emoji ZWJ sequences (kept) and stray
/// joiners (replaced), invalid UTF-8, and texts at, under and over the limit.
enum PeerTextSeeds {
    static let t = "fuzz-peer-text"

    /// Limit byte for `limit` scalars (2 to 201).
    static func limitByte(_ limit: Int) -> UInt8 { UInt8(max(0, min(199, limit - 2))) }

    static func write(_ w: inout SeedWriter) throws {
        let texts: [(String, Int, [UInt8])] = [
            ("plain", 198, Array("hello, alice — Grüße aus Köln, 日本語, עברית 123".utf8)),
            ("terminal-escapes", 198, Array("\u{1B}]0;title\u{07}\u{1B}[2J\u{1B}[1A\u{1B}[2Kverified\rx\u{08}\u{7F}\t\n".utf8)),
            ("c1-controls", 198, Array("\u{9B}2J\u{9D}0;t\u{9C}\u{85}".utf8)),
            ("format-and-separators", 198, Array("\u{202E}gnp.exe a\u{2028}b\u{2029}c\u{200B}d\u{FEFF}e\u{2066}f\u{2069}g\u{00AD}h\u{E0041}".utf8)),
            ("emoji-zwj", 198, Array("family 👨‍👩‍👧 flag 🏳️‍🌈 skin 👍🏽 coder 👩🏽‍💻 keycap #️⃣".utf8)),
            ("stray-joiners", 198, Array("\u{200D}👍\u{200D}\u{200D}👍\u{200D} a\u{200D}👍 👍\u{200D}1 #\u{200D}👍\u{200D}".utf8)),
            ("invalid-utf8", 198, [0x61, 0xFF, 0xC2, 0x41, 0xE2, 0x80, 0xF0, 0x9F, 0x91, 0xED, 0xA0, 0x80, 0xC0, 0x80]),
            ("exact-limit", 7, Array("exactly".utf8)),
            ("over-limit", 7, Array("exactly!".utf8)),
            ("cut-in-replacement", 10, Array("abcdef\u{202E}gh".utf8)),
            ("cut-in-emoji-sequence", 6, Array("abc👨‍👩‍👧".utf8)),
            ("minimum-limit", 2, Array("\u{1B}\u{1B}\u{1B}".utf8)),
            ("long", 199, Array(String(repeating: "long line of text ", count: 40).utf8)),
            ("empty", 0, []),
        ]
        for (name, limit, bytes) in texts {
            try w.write(t, name, [limitByte(limit)] + bytes)
        }
        // What PeerText made of an attack, as a peer could send it back: must stay as it is.
        let cleaned = PeerText.clean("\u{1B}[2J\u{202E}x👨‍👩‍👧\u{200D}", limit: 12)
        try w.write(t, "already-clean", [limitByte(12)] + Array(cleaned.utf8))
    }
}
