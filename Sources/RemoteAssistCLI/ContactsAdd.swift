import ArgumentParser
import ContactNetwork
import Foundation
import RFBTransport
import XMPP

struct ContactsAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a contact: by XMPP address (they accept through the server) or by the fingerprint they read you.",
        discussion: """
              remote-assist contacts add bob bob@example.org          ask bob through your XMPP account
              remote-assist contacts add bob SHA256:ABCD-…            pin what bob read you on the phone
              remote-assist contacts add bob SHA256:ABCD-… --jid bob@example.org
                                                                      both: the server's answer must match the pin
            Asking by address waits (--wait) for bob to accept, then shows the pairing code to say to \
            each other. If bob answers later, any later `contacts` command completes it.
            """)
    @OptionGroup var identity: IdentityOptions
    @Argument(help: "A short name (letters, digits, . _ -).") var name: String
    @Argument(help: ArgumentHelp(
        "Their XMPP address (NAME@SERVER), or the fingerprint they read to you (from their `remote-assist id`), check group included.",
        discussion: "A mistyped fingerprint character is refused with the group it is probably in. Afterwards compare the "
            + "compare code printed here with the one their `remote-assist id` shows: it is a quick check, "
            + "the full fingerprint is the pin. The older form without a check group, and 64 hex digits, "
            + "are accepted with a reminder to compare the code.")) var who: String
    @Option(help: ArgumentHelp("Where the contact listens for requests (experts reached directly).", valueName: "HOST:PORT")) var address: String?
    @Option(help: ArgumentHelp("With a fingerprint: their XMPP address too (a request is sent; their answer must carry this fingerprint).", valueName: "NAME@SERVER")) var jid: String?
    @Option(help: ArgumentHelp("Seconds to wait for their answer when asking through XMPP (0: send and return).", valueName: "SECONDS")) var wait: Int = 60
    @Flag(help: "Add the library's error text to failures.") var debug = false

    func validate() throws {
        if who.contains("@") && jid != nil { throw ValidationError("give the XMPP address once: contacts add NAME NAME@SERVER") }
        guard (0...3600).contains(wait) else { throw ValidationError("--wait must be 0 to 3600 seconds") }
    }

    func run() async throws {
        if who.contains("@") {
            try await ask(jidText: who, pinned: nil)
        } else {
            try pin()
            if let jid { try await ask(jidText: jid, pinned: name) }
        }
    }

    private func parseJID(_ text: String) throws -> JID {
        guard let parsed = try? JID(text), parsed.local != nil, parsed.resource == nil else {
            throw CLIError("\(text.debugDescription) is not an XMPP address NAME@SERVER (without /resource)")
        }
        return parsed.bare
    }

    private func pin() throws {
        var book = try identity.contacts()
        do {
            let (fp, form) = try Fingerprint.parseWithForm(who)
            let addr = try address.map { try ContactAddress(parsing: $0) }
            let jidText = try jid.map { try parseJID($0).description }
            let contact = try book.add(name: name, fingerprint: fp, address: addr, jid: jidText)
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

    private func ask(jidText: String, pinned: String?) async throws {
        if address != nil && pinned == nil { throw CLIError("--address goes with a fingerprint; a contact added by XMPP address is reached through the server") }
        let target = try parseJID(jidText)
        let account = try ContactsOnline.requireAccount(identity, for: "asking \(target)")
        if target == account.jid.bare { throw CLIError("\(target) is your own account") }
        let session = try await ContactsOnline.open(identity, account: account, debug: debug)
        var reporter = EventReporter()
        await reporter.run(session)
        do { try await session.ask(jid: target, name: name) } catch {
            await session.close()
            throw CLIError("\(error)")
        }
        print("asked \(target) to become your contact \"\(name)\" (your fingerprint went with the request)")
        func answered(_ e: HandshakeEvent) -> Bool {
            switch e {
            case .accepted(_, let j, _), .declined(_, let j), .failed(let j, _): return ContactBook.foldedJID(j) == ContactBook.foldedJID(target.description)
            case .fingerprintChanged(_, let j, _, _): return ContactBook.foldedJID(j) == ContactBook.foldedJID(target.description)
            default: return false
            }
        }
        if wait > 0 {
            print("waiting up to \(wait) s for \(target) to accept (Ctrl-C stops waiting; the request stays, and a later `remote-assist contacts` completes it)")
            if await reporter.run(session, for: .seconds(wait), stop: answered) == nil {
                print("no answer yet; when \(target) accepts, `remote-assist contacts list` completes it and shows the pairing code")
            }
        }
        await session.close()
    }
}
