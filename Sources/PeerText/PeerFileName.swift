/// The name a file from a peer gets on disk, made from the name the peer offered. Pure: no I/O. The
/// result, whatever the input:
///
/// - is one path component: everything up to the last `/` or `\` is dropped;
/// - holds no control (C0, DEL, C1), format character (bidi overrides, zero-width characters) or line
///   separator — these are removed, not shown as stand-ins, so the name is what the person sees;
/// - does not start with a dot (no hidden file, no `.` or `..`), has no `..`, no leading or trailing spaces;
/// - is at most `byteLimit` UTF-8 bytes (cut in the stem, keeping a short extension, never inside a character);
/// - is never empty (`fallback` instead).
///
/// Where the file lands is still the receiver's folder: the reducer only keeps the name from choosing it.
public enum PeerFileName {
    /// Leaves room under NAME_MAX (255) for " (9999)" and the temporary file's prefix and suffix.
    public static let byteLimit = 200
    /// The name of a file whose offered name had nothing usable left.
    public static let fallback = "received-file"
    /// Extensions longer than this are cut with the stem.
    static let extensionLimit = 20

    public static func reduce(_ offered: String) -> String {
        // The last path component, whichever separator the sender's system used.
        let last = offered.split(omittingEmptySubsequences: false) { $0 == "/" || $0 == "\\" }.last.map(String.init) ?? ""
        let scalars = Array(last.unicodeScalars)
        var kept = String.UnicodeScalarView()
        for index in scalars.indices {
            let before = index > 0 ? scalars[index - 1] : nil
            let after = index + 1 < scalars.count ? scalars[index + 1] : nil
            if PeerText.replacement(for: scalars[index], between: before, and: after) == nil { kept.append(scalars[index]) }
        }
        // Runs of dots become one: no `..` anywhere.
        var name = ""
        for character in String(kept) where !(character == "." && name.last == ".") { name.append(character) }
        name = String(fit(String(name.drop { $0 == "." || $0.isWhitespace }), limit: byteLimit))
        while let last = name.last, last.isWhitespace { name.removeLast() }
        return name.isEmpty ? fallback : name
    }

    /// "report (2).log" for the second file called "report.log" (n >= 2), within `byteLimit`.
    public static func numbered(_ name: String, _ n: Int) -> String {
        let (stem, ext) = split(name)
        let suffix = " (\(n))" + ext
        return fitBytes(stem, byteLimit - suffix.utf8.count) + suffix
    }

    /// Stem and extension (with its dot); the extension is empty when there is none or it is too long.
    static func split(_ name: String) -> (stem: String, ext: String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        let ext = String(name[dot...])
        guard ext.utf8.count <= extensionLimit else { return (name, "") }
        return (String(name[..<dot]), ext)
    }

    static func fit(_ name: String, limit: Int) -> String {
        guard name.utf8.count > limit else { return name }
        let (stem, ext) = split(name)
        return fitBytes(stem, limit - ext.utf8.count) + ext
    }

    /// The longest prefix of whole characters within `limit` UTF-8 bytes.
    static func fitBytes(_ text: String, _ limit: Int) -> String {
        var out = ""
        var bytes = 0
        for character in text {
            let n = String(character).utf8.count
            if bytes + n > limit { break }
            out.append(character)
            bytes += n
        }
        return out
    }
}
