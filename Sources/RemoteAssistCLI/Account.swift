import ArgumentParser
import ContactNetwork
import Foundation
import RFBTransport
import XMPP

struct Account: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set the XMPP account that reaches your contacts through a server (behind any home router).",
        discussion: """
            With an account, contacts are added by their XMPP address and accept each other, `contacts list` \
            shows who is online, and sessions go through the server's relay. Any XMPP server with a SOCKS5 \
            proxy (XEP-0065) works, e.g. Prosody with mod_proxy65.

            The login is checked once before anything is kept. The password is read from standard input \
            (typed without echo on a terminal) or from --password-file, and kept in the config folder in \
            `xmpp-account`, mode 0600. It is never printed.

            Examples:
              remote-assist account alice@example.org
              remote-assist account alice@example.org --server xmpp.example.org:5222 --ca my-server-ca.crt
              remote-assist account               show the account (never the password)
              remote-assist account --remove      forget it
            """)

    @OptionGroup var identity: IdentityOptions
    @Argument(help: "Your XMPP address, NAME@SERVER.") var jid: String?
    @Option(help: ArgumentHelp("Where the server is, when not at the address's domain on port 5222.", valueName: "HOST[:PORT]")) var server: String?
    @Option(help: ArgumentHelp("A CA certificate (PEM) the server's certificate must chain to, instead of the system's CAs.", valueName: "FILE")) var ca: String?
    @Option(help: ArgumentHelp("Read the password from the first line of FILE instead of standard input.", valueName: "FILE")) var passwordFile: String?
    @Flag(help: "Forget the account (the password file is removed).") var remove = false
    @Flag(help: "Add the library's error text to failures.") var debug = false

    func validate() throws {
        if remove && (jid != nil || server != nil || ca != nil || passwordFile != nil) {
            throw ValidationError("--remove takes nothing else")
        }
        if jid == nil && (server != nil || ca != nil || passwordFile != nil) {
            throw ValidationError("--server, --ca and --password-file come with an address: remote-assist account NAME@SERVER …")
        }
    }

    func run() async throws {
        let directory = try identity.directory()
        if remove {
            let removed: Bool
            do { removed = try AccountFile.remove(directory: directory) } catch { throw CLIError("\(error)") }
            print(removed ? "account removed (\(AccountFile.path(in: directory)) deleted)" : "no account was set")
            return
        }
        guard let jid else {
            do {
                guard let account = try AccountFile.load(directory: directory) else {
                    print("no account set (remote-assist account NAME@SERVER)")
                    return
                }
                print("account:  \(account.jid)")
                print("server:   \(account.serverText)")
                print("trust:    \(account.caFile.map { "the CA in \($0)" } ?? "the system's CAs")")
                print("password: kept in \(AccountFile.path(in: directory)) (mode 0600)")
            } catch { throw CLIError("\(error)") }
            return
        }
        let account = try makeAccount(jid)
        print("logging in to \(account.serverText) as \(account.jid)…")
        do {
            let client = try await XMPPClient.connect(account: account.jid, password: account.password, host: account.serverHost,
                                                      port: account.port, trust: account.trust, resource: XMPPAccount.freshResource())
            let mechanism = client.mechanism
            await client.close()
            try AccountFile.save(account, directory: directory)
            print("logged in (\(mechanism)); account kept in \(AccountFile.path(in: directory)) (mode 0600)")
            print("next: `remote-assist contacts add NAME THEIR@ADDRESS` asks someone to become a contact")
        } catch let error as FileAccessError {
            throw CLIError("\(error)")
        } catch {
            throw CLIError(XMPPAdvice.describe(error, account: account, debug: debug) + "; nothing was kept")
        }
    }

    private func makeAccount(_ text: String) throws -> XMPPAccount {
        do {
            let parsed = try JID(text)
            guard parsed.local != nil, parsed.resource == nil else { throw CLIError("\(text) is not an XMPP address NAME@SERVER (without /resource)") }
            let where_ = try server.map { try XMPPAccount.parseServer($0) }
            if let ca, !FileManager.default.isReadableFile(atPath: ca) { throw CLIError("cannot read the CA file \(ca)") }
            let caPath = ca.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 }
            let password = try readPassword(for: parsed)
            return try XMPPAccount(jid: parsed, host: where_?.host, port: where_?.port ?? XMPPAccount.defaultPort, caFile: caPath, password: password)
        } catch let e as CLIError { throw e } catch { throw CLIError("\(error)") }
    }

    private func readPassword(for jid: JID) throws -> String {
        if let passwordFile {
            guard let data = FileManager.default.contents(atPath: passwordFile) else { throw CLIError("cannot read the password file \(passwordFile)") }
            guard data.count <= 64 * 1024 else { throw CLIError("the password file \(passwordFile) is larger than 64 KiB") }
            let text = String(decoding: data, as: UTF8.self)
            return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        }
        let terminal = isatty(0) == 1
        if terminal { FileHandle.standardError.write(Data("password for \(jid): ".utf8)) }
        let line = terminal ? TerminalPassword.read() : readLine(strippingNewline: true)
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        guard let line, !line.isEmpty else {
            throw CLIError("no password given: type it when asked, pipe it in (`… < file`), or use --password-file FILE")
        }
        return line
    }
}

/// A line typed without echo.
enum TerminalPassword {
    static func read() -> String? {
        var original = termios()
        guard tcgetattr(0, &original) == 0 else { return readLine(strippingNewline: true) }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(0, TCSAFLUSH, &silent)
        defer { tcsetattr(0, TCSAFLUSH, &original) }
        return readLine(strippingNewline: true)
    }
}
