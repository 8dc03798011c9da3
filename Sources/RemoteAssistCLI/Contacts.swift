import ArgumentParser
import Foundation
import RFBTransport

struct Contacts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the people you trust: name, certificate fingerprint, and (for experts) an address.",
        discussion: """
            Examples:
              remote-assist contacts add alice SHA256:ABCD-...-WXYZ --address alice.example.org:5500

            The fingerprint's last group is a check: a typo is refused and its group named. The compare \
            code shown by `add` and `list` is for comparing aloud with their `remote-assist id`; the full \
            fingerprint is the pin.
              remote-assist contacts list
              remote-assist contacts remove alice
            """,
        subcommands: [Add.self, List.self, Remove.self],
        defaultSubcommand: List.self)

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a contact.")
        @OptionGroup var identity: IdentityOptions
        @Argument(help: "A short name (letters, digits, . _ -).") var name: String
        @Argument(help: ArgumentHelp(
            "The fingerprint they read to you (from their `remote-assist id`), check group included.",
            discussion: "A mistyped character is refused with the group it is probably in. Afterwards compare the "
                + "compare code printed here with the one their `remote-assist id` shows: it is a quick check, "
                + "the full fingerprint is the pin. The older form without a check group, and 64 hex digits, "
                + "are accepted with a reminder to compare the code.")) var fingerprint: String
        @Option(help: ArgumentHelp("Where the contact listens for requests (experts).", valueName: "HOST:PORT")) var address: String?

        func run() throws {
            var book = try identity.contacts()
            do {
                let (fp, form) = try Fingerprint.parseWithForm(fingerprint)
                let addr = try address.map { try ContactAddress(parsing: $0) }
                let contact = try book.add(name: name, fingerprint: fp, address: addr)
                try book.save()
                print("added \(contact)")
                print("compare code \(fp.comparisonCode): their `remote-assist id` must show the same (the fingerprint is the pin)")
                if form != .checked {
                    // Safe to accept: a typo pins a certificate nobody has, so it can only refuse, never
                    // trust the wrong person; the code comparison catches it now instead of at connect time.
                    FileHandle.standardError.write(Data(("remote-assist: note: this fingerprint has no check group, so a typo cannot be caught here: compare the code "
                        + "\(fp.comparisonCode) with \(name) now (if it differs: `contacts remove \(name)` and add it again)\n").utf8))
                }
            } catch let e as CLIError { throw e } catch { throw CLIError("\(error)") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List contacts.")
        @OptionGroup var identity: IdentityOptions

        func run() throws {
            let book = try identity.contacts()
            if book.contacts.isEmpty { print("no contacts yet (remote-assist contacts add NAME FINGERPRINT)") }
            // The compare code is for checking with the person aloud; the fingerprint is the pin.
            for c in book.contacts { print("\(c)   (compare code \(c.fingerprint.comparisonCode))") }
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
