import ArgumentParser
import ContactNetwork

struct ContactsRequests: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requests",
        abstract: "List who asked to become your contact through the XMPP server (with their fingerprints).")
    @OptionGroup var identity: IdentityOptions
    @Flag(help: "Add the library's error text to failures.") var debug = false

    func run() async throws {
        let account = try ContactsOnline.requireAccount(identity, for: "listing requests")
        let session = try await ContactsOnline.open(identity, account: account, debug: debug)
        var reporter = EventReporter()
        await reporter.run(session)
        let requests = await session.requests
        await session.close()
        if requests.isEmpty { print("no requests waiting") }
    }
}
