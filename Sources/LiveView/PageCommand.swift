import Foundation

/// What the page asks for (a JSON text message, at most ``PageCommand/maximumBytes``).
public enum PageCommand: Sendable, Equatable {
    case chat(String)
    case snapshot
    case end
    /// The answer to the question with this id (the consent and accept dialogs). `name`: what was
    /// typed in the dialog's name field (the name to save an unknown requester under), if any.
    case answer(question: Int, yes: Bool, name: String? = nil)
    case pause(Bool)

    /// The largest message the page may send (a chat line of 4095 bytes, escaped, fits).
    public static let maximumBytes = 16_384
    /// The longest chat line taken from the page, in UTF-8 bytes (the TextChat limit).
    public static let chatLimit = 4095
    /// The longest name typed in a dialog, in UTF-8 bytes (the model cleans and caps it again).
    public static let nameLimit = 512

    /// Parses one message; nil for anything else (unknown type, wrong field types, too long).
    public static func parse(_ text: String) -> PageCommand? {
        guard text.utf8.count <= maximumBytes,
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let type = object["t"] as? String else { return nil }
        switch type {
        case "chat":
            guard let line = object["text"] as? String, line.utf8.count <= chatLimit else { return nil }
            return .chat(line)
        case "snapshot": return .snapshot
        case "end": return .end
        case "answer":
            guard let id = object["question"] as? Int, let yes = object["yes"] as? Bool else { return nil }
            guard let name = object["name"] else { return .answer(question: id, yes: yes) }
            guard let typed = name as? String, typed.utf8.count <= nameLimit else { return nil }
            return .answer(question: id, yes: yes, name: typed)
        case "pause":
            guard let on = object["on"] as? Bool else { return nil }
            return .pause(on)
        default: return nil
        }
    }
}

/// JSON text for the page. Strings go in as JSON strings; the page puts them in `textContent`.
public enum PageJSON {
    public static func encode(_ object: [String: any Sendable]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
              let text = String(data: data, encoding: .utf8) else { return "{}" }
        return text
    }
}
