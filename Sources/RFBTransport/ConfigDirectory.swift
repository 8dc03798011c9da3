#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where remote-assist keeps its identity and contacts: `$XDG_CONFIG_HOME/remote-assist`, or
/// `~/.config/remote-assist` when `XDG_CONFIG_HOME` is unset, empty or relative (as the XDG spec says).
public enum ConfigDirectory {
    public static let folderName = "remote-assist"

    /// The folder for the given environment values.
    public static func path(xdgConfigHome: String?, home: String?) throws -> String {
        if let xdg = xdgConfigHome, xdg.hasPrefix("/") {
            return join(xdg, folderName)
        }
        guard let home, home.hasPrefix("/") else {
            throw FileAccessError(path: "~/.config/\(folderName)", reason: "cannot find the home directory (HOME is not set)")
        }
        return join(join(home, ".config"), folderName)
    }

    /// The folder for this process's environment (falling back to the password database for the home).
    public static func current() throws -> String {
        try path(xdgConfigHome: environment("XDG_CONFIG_HOME"), home: environment("HOME") ?? passwordEntryHome())
    }

    /// The login name of the user running this process, for default display names.
    public static func loginName() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            let text = String(cString: name)
            if !text.isEmpty { return text }
        }
        return environment("USER") ?? environment("LOGNAME") ?? "user"
    }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    private static func passwordEntryHome() -> String? {
        guard let entry = getpwuid(geteuid()), let dir = entry.pointee.pw_dir else { return nil }
        return String(cString: dir)
    }

    private static func join(_ a: String, _ b: String) -> String {
        a.hasSuffix("/") ? a + b : a + "/" + b
    }
}
