import ArgumentParser
import ContactNetwork
import XMPP

struct ContactsDecline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decline",
        abstract: "Decline someone's request to become your contact.")
    @OptionGroup var identity: IdentityOptions
    @Argument(help: "Their XMPP address, as `contacts requests` shows it.") var jid: String
    @Flag(help: "Add the library's error text to failures.") var debug = false

    func run() async throws {
        guard let target = try? JID(jid), target.local != nil else { throw CLIError("\(jid.debugDescription) is not an XMPP address NAME@SERVER") }
        let account = try ContactsOnline.requireAccount(identity, for: "declining a request")
        let session = try await ContactsOnline.open(identity, account: account, debug: debug)
        do { try await session.decline(jid: target) } catch {
            await session.close()
            throw CLIError("\(error)")
        }
        await session.close()
        print("declined \(ContactsOnline.jidText(target.bare.description))")
    }
}
