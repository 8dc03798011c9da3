public import Agent
public import Pixels
public import RFBProtocol
public import RFBTransport
public import Viewer

/// What the session model can do to one connection, on either side.
public protocol SessionControl: Sendable {
    var connectionID: ObjectIdentifier { get }
    func sendChat(_ text: String)
    /// Stops or restarts the picture (sharing side; the viewing side cannot pause).
    func setPaused(_ paused: Bool)
    func end(reason: SessionEnd.Reason, text: String)
    func statistics() async -> SessionStatistics
    /// Offers a file (the control owns its descriptor from then on).
    func offerFile(_ file: OutgoingFile)
    func acceptFile(_ id: UInt32)
    func declineFile(_ id: UInt32, reason: String)
    /// Stops the transfers in progress and withdraws open offers; returns how many.
    func cancelFiles(reason: String) async -> Int
}

extension AgentSessionControl: SessionControl {}

extension ViewerClient: SessionControl {
    public func setPaused(_ paused: Bool) {}
}
