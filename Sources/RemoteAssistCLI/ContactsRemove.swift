import ArgumentParser
import ContactNetwork
import RFBTransport

struct ContactsRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a contact (and, with an account, end the presence subscriptions with them).")
    @OptionGroup var identity: IdentityOptions
    @Argument var name: String
    @Flag(help: "Add the library's error text to failures.") var debug = false

    func run() async throws {
        var book = try identity.contacts()
        let removed: Contact
        do {
            removed = try book.remove(name: name)
            try book.save()
            var pairing = try PairingBook.load(directory: try identity.directory())
            if let jid = removed.jid, pairing.record(for: jid) != nil {
                pairing.remove(jid: jid)
                try pairing.save()
            }
        } catch let e as CLIError { throw e } catch { throw CLIError("\(error)") }
        print("removed \(removed.name)")
        guard let jid = removed.jid, let account = try ContactsOnline.account(identity) else { return }
        do {
            let session = try await ContactsOnline.open(identity, account: account, debug: debug)
            try await session.forget(jid: jid)
            await session.close()
            print("\(ContactsOnline.jidText(jid)) is off your XMPP contact list too")
        } catch {
            print("note: \(ContactsOnline.jidText(jid)) stays on your XMPP contact list (\(error)); it is no longer trusted here")
        }
    }
}
