import ContactNetwork
import PeerText
import XMPP

/// One plain line for an XMPP failure, naming the account's server; the library's words only with --debug.
/// Everything the server said is cleaned first (the server is a peer too).
enum XMPPAdvice {
    static func describe(_ error: any Error, account: XMPPAccount, debug: Bool = false) -> String {
        let server = account.serverText
        let line: String
        var detail = ""
        switch error as? XMPPError {
        case .connectionFailed(let why)?:
            detail = why
            let text = why.lowercased()
            if text.contains("refused") {
                line = "no XMPP server answers at \(server) (connection refused): is the address right, and is the server running?"
            } else if text.contains("timed out") || text.contains("timeout") {
                line = "the XMPP server at \(server) did not answer (timed out): check the address and your network"
            } else if text.contains("resolve") || text.contains("nxdomain") || text.contains("no address") || text.contains("unknown host") {
                line = "cannot find the XMPP server \(account.serverHost) (unknown host): check the name, or give --server HOST[:PORT]"
            } else if text.contains("during login") {
                line = "the XMPP server at \(server) closed the connection during login"
            } else {
                line = "cannot reach the XMPP server at \(server)"
            }
        case .untrustedCertificate(let why)?:
            detail = why
            line = "the XMPP server at \(server) shows a certificate that is not trusted"
                + (account.caFile.map { " by \($0)" } ?? " by this system's CAs; if your server uses its own CA, give it with --ca FILE")
        case .tlsFailed(let why)?:
            detail = why
            line = "TLS with the XMPP server at \(server) failed"
        case .startTLSUnavailable?:
            line = "the XMPP server at \(server) does not offer TLS; remote-assist never logs in without it"
        case .authenticationFailed(let why)?:
            line = "the XMPP server refused the login for \(account.jid) (\(PeerText.clean(why, limit: 80))): wrong password, or no such account"
        case .noSupportedMechanism?:
            line = "the XMPP server at \(server) offers no login method remote-assist accepts (SCRAM-SHA-256, SCRAM-SHA-1, or PLAIN inside TLS)"
        case .timeout(let what)?:
            line = "the XMPP server at \(server) did not answer in time (\(what))"
        case .relayRefused(let why)?:
            line = "the XMPP server's relay at \(server) refused the stream: \(PeerText.clean(why, limit: 160))"
        case .fellBehind?:
            line = "remote-assist fell behind reading from the XMPP server at \(server) and closed the connection"
        case .closed?:
            line = "the connection to the XMPP server at \(server) closed"
        case .streamError(let why)?, .protocolViolation(let why)?, .iqError(let why)?:
            line = "the XMPP server at \(server) answered with an error: \(PeerText.clean(why, limit: 120))"
        case nil:
            line = PeerText.clean("\(error)", limit: 300)
        }
        return debug && !detail.isEmpty ? line + " [debug: \(PeerText.clean(detail, limit: 400))]" : line
    }
}
