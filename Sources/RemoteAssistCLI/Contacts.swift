import ArgumentParser
import RFBTransport

struct Contacts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the people you trust: name, certificate fingerprint, and (for experts) an address.",
        discussion: """
            Examples:
              remote-assist contacts add alice SHA256:ABCD-... --address alice.example.org:5500
              remote-assist contacts list
              remote-assist contacts remove alice
            """,
        subcommands: [Add.self, List.self, Remove.self],
        defaultSubcommand: List.self)

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a contact.")
        @OptionGroup var identity: IdentityOptions
        @Argument(help: "A short name (letters, digits, . _ -).") var name: String
        @Argument(help: "The fingerprint they read to you (from their `remote-assist id`).") var fingerprint: String
        @Option(help: ArgumentHelp("Where the contact listens for requests (experts).", valueName: "HOST:PORT")) var address: String?

        func run() throws {
            var book = try identity.contacts()
            do {
                let fp = try Fingerprint.parse(fingerprint)
                let addr = try address.map { try ContactAddress(parsing: $0) }
                let contact = try book.add(name: name, fingerprint: fp, address: addr)
                try book.save()
                print("added \(contact)")
            } catch let e as CLIError { throw e } catch { throw CLIError("\(error)") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List contacts.")
        @OptionGroup var identity: IdentityOptions

        func run() throws {
            let book = try identity.contacts()
            if book.contacts.isEmpty { print("no contacts yet (remote-assist contacts add NAME FINGERPRINT)") }
            for c in book.contacts { print(c) }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a contact.")
        @OptionGroup var identity: IdentityOptions
        @Argument var name: String

        func run() throws {
            var book = try identity.contacts()
            do {
                let removed = try book.remove(name: name)
                try book.save()
                print("removed \(removed.name)")
            } catch { throw CLIError("\(error)") }
        }
    }
}
