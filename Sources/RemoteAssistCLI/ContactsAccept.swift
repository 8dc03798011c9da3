import ArgumentParser
import ContactNetwork
import RFBTransport
import XMPP

struct ContactsAccept: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accept",
        abstract: "Accept someone's request: pin the fingerprint it carries and ask them back.",
        discussion: """
            Then wait (--wait) for their side to confirm and show the pairing code: say it to each other \
            on the phone. A different code means someone between you changed the fingerprints.
              remote-assist contacts accept alice@example.org --name alice
            """)
    @OptionGroup var config: ConfigFolderOptions
    @Argument(help: "Their XMPP address, as `contacts requests` shows it.") var jid: String
    @Option(name: .customLong("name"), help: "The contact's name here (default: the part of the address before @).") var contactName: String?
    @Option(help: ArgumentHelp("Seconds to wait for their confirmation (0: return at once).", valueName: "SECONDS")) var wait: Int = 60
    @Flag(help: "Add the library's error text to failures.") var debug = false

    func validate() throws {
        guard (0...3600).contains(wait) else { throw ValidationError("--wait must be 0 to 3600 seconds") }
    }

    func run() async throws {
        guard let parsed = try? JID(jid), let local = parsed.local else { throw CLIError("\(jid.debugDescription) is not an XMPP address NAME@SERVER") }
        let target = parsed.bare
        let name = contactName ?? local
        do { try Contact.validate(name: name) } catch {
            throw CLIError("\(ContactsOnline.jidText(local).debugDescription) cannot be a contact name (\(error)); choose one with --name NAME")
        }
        let identity = try config.identity()
        let account = try ContactsOnline.requireAccount(identity, for: "accepting a request")
        let session = try await ContactsOnline.open(identity, account: account, debug: debug)
        var reporter = EventReporter()
        await reporter.run(session)
        do { try await session.accept(jid: target, name: name) } catch {
            await session.close()
            throw CLIError("\(error)")
        }
        let pinned = await session.contacts.contact(named: name)?.fingerprint
        print("\(name) (\(ContactsOnline.jidText(target.description))) is now your contact, fingerprint \(pinned.map { "\($0)" } ?? "?")")
        if wait > 0 {
            print("waiting up to \(wait) s for \(name)'s confirmation to show the pairing code…")
            let done = await reporter.run(session, for: .seconds(wait)) { e in
                switch e {
                case .confirmed(_, let j, _), .pairingTampered(_, let j): return ContactBook.foldedJID(j) == ContactBook.foldedJID(target.description)
                default: return false
                }
            }
            if done == nil { print("no confirmation yet; `remote-assist contacts list` shows the pairing code once \(name)'s remote-assist has answered") }
        }
        await session.close()
    }
}
