import ArgumentParser
import ContactNetwork
import RFBTransport

struct ContactsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List contacts; with an XMPP account, also who is online, busy or away, and requests in progress.")
    @OptionGroup var identity: IdentityOptions
    @Flag(help: "Do not log in to the XMPP account (no presence).") var offline = false
    @Flag(help: "Add the library's error text to failures.") var debug = false

    func run() async throws {
        var session: ContactSession?
        if !offline, let account = try ContactsOnline.account(identity) {
            do {
                session = try await ContactsOnline.open(identity, account: account, debug: debug)
            } catch {
                print("presence unknown: \(error)")
            }
        }
        var reporter = EventReporter()
        if let session { await reporter.run(session) }
        let book = try await session?.contacts ?? identity.contacts()
        let pairing: PairingBook
        if let session { pairing = await session.pairing } else {
            do { pairing = try PairingBook.load(directory: try identity.directory()) } catch { throw CLIError("\(error)") }
        }
        if book.contacts.isEmpty { print("no contacts yet (remote-assist contacts add NAME NAME@SERVER, or NAME FINGERPRINT)") }
        for c in book.contacts {
            // The compare code is for checking with the person aloud; the fingerprint is the pin.
            var line = "\(c)   (compare code \(c.fingerprint.comparisonCode))"
            if let jid = c.jid {
                if let session { line += "   \(await session.presence(of: jid).rawValue)" }
                if let code = pairing.record(for: jid)?.code { line += "   pairing code \(code)" }
            }
            print(line)
        }
        for r in pairing.records where r.role == .asker && r.code == nil {
            print("waiting for \(ContactsOnline.jidText(r.jid)) to accept your request (\(r.name))")
        }
        if let session {
            for r in await session.requests {
                print("asked by \(ContactsOnline.jidText(r.jid)): `remote-assist contacts requests` to see, `… accept` or `… decline`")
            }
            await session.close()
        }
    }
}
