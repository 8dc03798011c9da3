import ContactNetwork
import Foundation
import PeerText
import RFBTransport
import XMPP

/// What the contact commands share when they go through the XMPP account: the login, and the words for
/// what the handshake reports (every JID and fingerprint a peer sent is cleaned before it is shown).
enum ContactsOnline {
    static func account(_ identity: IdentityOptions) throws -> XMPPAccount? {
        do { return try AccountFile.load(directory: try identity.directory()) } catch let e as CLIError { throw e } catch { throw CLIError("\(error)") }
    }

    static func requireAccount(_ identity: IdentityOptions, for what: String) throws -> XMPPAccount {
        guard let account = try account(identity) else {
            throw CLIError("\(what) goes through your XMPP account, and none is set: `remote-assist account NAME@SERVER` first")
        }
        return account
    }

    /// Logs in, hands over what waited on the server, and reports it.
    static func open(_ identity: IdentityOptions, account: XMPPAccount, debug: Bool) async throws -> ContactSession {
        let me = try identity.identity()
        let session: ContactSession
        do {
            session = try await ContactSession.open(account: account, directory: try identity.directory(), ourFingerprint: me.fingerprint)
        } catch let error as XMPPError {
            throw CLIError(XMPPAdvice.describe(error, account: account, debug: debug))
        } catch { throw CLIError("\(error)") }
        do { try await session.settle() } catch {
            await session.close()
            throw CLIError(XMPPAdvice.describe(error, account: account, debug: debug))
        }
        return session
    }

    static func jidText(_ jid: String) -> String { PeerText.clean(jid, limit: 120) }

    static func line(for event: HandshakeEvent) -> (text: String, warning: Bool)? {
        switch event {
        case .request(let r):
            let jid = jidText(r.jid)
            guard let offer = r.offer else {
                return ("request from \(jid), sent without a remote-assist fingerprint (another XMPP client?)", false)
            }
            return ("request from \(jid), fingerprint \(offer.fingerprint): `remote-assist contacts accept \(jid)` or `… decline \(jid)`", false)
        case .accepted(let name, let jid, let code):
            return ("\(jidText(jid)) accepted: \(name) is now your contact. Pairing code \(code): say it to \(name) on the phone; "
                + "\(name) must see the same code (if not, someone in between changed the fingerprints: `remote-assist contacts remove \(name)`)", false)
        case .confirmed(let name, let jid, let code):
            return ("\(name) (\(jidText(jid))) confirmed. Pairing code \(code): say it to \(name) on the phone; \(name) must see the same code "
                + "(if not, someone in between changed the fingerprints: `remote-assist contacts remove \(name)`)", false)
        case .approvedAgain(let name):
            return ("\(name) asked again with the fingerprint you pinned: approved", false)
        case .fingerprintChanged(let name, let jid, let pinned, let offered):
            return ("WARNING: \(name) (\(jidText(jid))) now presents the fingerprint \(offered), not the pinned \(pinned); nothing was accepted. "
                + "If \(name) really made a new identity, check the new fingerprint with \(name) on the phone, then "
                + "`remote-assist contacts remove \(name)` and add them again", true)
        case .pairingTampered(let name, let jid):
            return ("WARNING: the confirmation from \(jidText(jid)) does not match the request it answers: someone between you changed it. "
                + "\(name) was removed from your contacts; talk to \(name) on the phone and add them again", true)
        case .declined(let name, let jid):
            return ("\(jidText(jid)) declined your request (\(name))", false)
        case .failed(let jid, let reason):
            return ("could not complete the contact request with \(jidText(jid)): \(reason)", true)
        case .presence:
            return nil
        }
    }
}

/// Prints handshake events as they come, and remembers them for the command's own decision.
struct EventReporter {
    var seen: [HandshakeEvent] = []

    /// Reports events until `stop` says so or `timeout` has passed (zero: only what already arrived).
    /// Returns the event that stopped it.
    @discardableResult
    mutating func run(_ session: ContactSession, for timeout: Duration = .zero,
                      stop: (HandshakeEvent) -> Bool = { _ in false }) async -> HandshakeEvent? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard let event = await session.next(within: remaining) else { return nil }
            seen.append(event)
            if let (text, warning) = ContactsOnline.line(for: event) {
                if warning { FileHandle.standardError.write(Data(("remote-assist: " + text + "\n").utf8)) } else { print(text) }
            }
            if stop(event) { return event }
        }
    }
}
