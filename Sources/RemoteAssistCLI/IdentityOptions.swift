import ArgumentParser
import RFBTransport

/// Where identity and contacts live; shared by the commands that need them.
struct IdentityOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder of identity and contacts (default: $XDG_CONFIG_HOME/remote-assist or ~/.config/remote-assist).", valueName: "DIR"))
    var configDir: String?

    @Option(name: .long, help: "Your name as contacts see it (used when the identity is first created; default: your login name).")
    var name: String?

    func directory() throws -> String {
        if let configDir { return configDir }
        do { return try ConfigDirectory.current() } catch { throw CLIError("\(error)") }
    }

    func identity() throws -> Identity {
        do { return try Identity.loadOrCreate(directory: try directory(), name: name) } catch { throw CLIError("\(error)") }
    }

    func contacts() throws -> ContactBook {
        do { return try ContactBook.load(directory: try directory()) } catch { throw CLIError("\(error)") }
    }
}

/// Only the config folder: for commands whose own `--name` means something else (`contacts accept`).
struct ConfigFolderOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder of identity and contacts (default: $XDG_CONFIG_HOME/remote-assist or ~/.config/remote-assist).", valueName: "DIR"))
    var configDir: String?

    /// The identity options with this folder and the default name.
    func identity() throws -> IdentityOptions {
        do { return try IdentityOptions.parse(configDir.map { ["--config-dir", $0] } ?? []) } catch { throw CLIError("\(error)") }
    }
}
