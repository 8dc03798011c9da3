/// Serialises elements for the wire: text and attribute values escaped, an `xmlns` written only where an
/// element's namespace differs from its parent's.
public enum XMLWriter {
    /// Text content: `&`, `<`, `>` and CR escaped (CR would otherwise be read back as LF).
    public static func escapeText(_ s: String) -> String { escape(s, attribute: false) }

    /// An attribute value in either quote: also both quotes, and tab and LF (which attribute-value
    /// normalisation would turn into spaces).
    public static func escapeAttribute(_ s: String) -> String { escape(s, attribute: true) }

    private static func escape(_ s: String, attribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\r": out += "&#13;"
            case "\"" where attribute: out += "&quot;"
            case "'" where attribute: out += "&apos;"
            case "\t" where attribute: out += "&#9;"
            case "\n" where attribute: out += "&#10;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// The element as text, with an `xmlns` attribute when its namespace is not `parentNamespace`.
    public static func string(_ element: XMLElement, parentNamespace: String? = nil) -> String {
        var out = ""
        write(element, parentNamespace: parentNamespace, into: &out)
        return out
    }

    static func write(_ e: XMLElement, parentNamespace: String?, into out: inout String) {
        out += "<" + e.name
        if e.namespace != parentNamespace { out += " xmlns=\"" + escapeAttribute(e.namespace) + "\"" }
        for a in e.attributes where a.name != "xmlns" {
            out += " " + a.name + "=\"" + escapeAttribute(a.value) + "\""
        }
        if e.children.isEmpty {
            out += "/>"
            return
        }
        out += ">"
        for child in e.children {
            switch child {
            case .text(let t): out += escapeText(t)
            case .element(let c): write(c, parentNamespace: e.namespace, into: &out)
            }
        }
        out += "</" + e.name + ">"
    }

    /// The opening of a client stream (after which stanzas are written one by one).
    public static func streamHeader(to domain: String, from: String? = nil) -> String {
        var s = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
        s += " to='" + escapeAttribute(domain) + "'"
        if let from { s += " from='" + escapeAttribute(from) + "'" }
        s += " version='1.0' xml:lang='en'>"
        return s
    }
}
