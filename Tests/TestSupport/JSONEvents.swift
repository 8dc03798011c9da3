import Foundation

extension CLIProcess {
    /// The `--json` events printed so far named `name`, oldest first.
    public func jsonEvents(_ name: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["event"] as? String == name else { return nil }
            return object
        }
    }

    /// The port a `--json` share or listen reported in its "listening" event.
    public var listeningPort: Int? { jsonEvents("listening").first?["port"] as? Int }
}
