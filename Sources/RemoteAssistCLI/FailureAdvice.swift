import ArgumentParser
import RFBTransport

/// `--debug`: the library's own error text (NIO, TLS, errno) after each plain message.
struct DebugOption: ParsableArguments {
    @Flag(help: "After each plain error message, show the library's own error text (NIO, TLS, errno).")
    var debug = false

    func apply() { ConnectionErrorText.showDetails(debug) }
}

/// Failures that stop a command, as a cause and a next step, naming the person.
enum FailureAdvice {
    /// Dialling `who` at `address` failed; `theirCommand` is what they should be running.
    static func dial(_ error: any Error, who: String, address: String, theirCommand: String) -> CLIError {
        let host = address.split(separator: ":").dropLast().joined(separator: ":")
        let text: String
        switch ConnectionFailure.classify(error) {
        case .refused:
            text = "\(who) is not listening at \(address); ask \(who) to run `\(theirCommand)`"
        case .timedOut:
            text = "\(who) did not answer at \(address) in time: check the address with \(who) (a firewall or router may drop the connection)"
        case .unreachable:
            text = "cannot reach \(address): the network is unreachable; check your connection and the address"
        case .unknownHost:
            text = "cannot find the host \(host.isEmpty ? address : host): check the address with \(who)"
        case let other:
            text = "cannot reach \(who) at \(address): \(other.plain)"
        }
        return CLIError(text + ConnectionErrorText.detail(error))
    }

    /// Listening on `host:port` failed.
    static func listen(_ error: any Error, host: String, port: Int, command: String) -> CLIError {
        let text: String
        switch ConnectionFailure.classify(error) {
        case .addressInUse:
            text = "port \(port) is in use, perhaps by another `remote-assist \(command)`; choose another with --port"
        case .portNeedsPrivileges:
            text = "port \(port) needs administrator rights (ports below 1024); choose --port 1024 or above"
        case .addressNotHere:
            text = "\(host) is not an address of this machine; leave out --host (every interface) or use one of its addresses"
        case let other:
            text = "cannot listen on \(host):\(port): \(other.plain)"
        }
        return CLIError(text + ConnectionErrorText.detail(error))
    }

    /// What to do when the other side refused our certificate: read them our fingerprint.
    static func notTheirContact(_ who: String, me: String, fingerprint: Fingerprint, theirCommand: String) -> String {
        "\(who) has not added you as a contact. Read \(who) your fingerprint: \(fingerprint) (`remote-assist id`); "
            + "\(who) adds you with `remote-assist contacts add \(me) \(fingerprint)`, or runs `\(theirCommand) --allow-new`"
    }

    /// Whether a connection's end reason says the other side refused our certificate.
    static func saysOurCertificateWasRefused(_ reason: String?) -> Bool {
        guard let reason else { return false }
        return reason.contains("does not have you as a contact")
    }
}
