public import NIOCore
public import RFBProtocol
public import Pixels
public import RFBTransport

/// A thread-safe handle on one agent connection, for the terminal: chat, pause, end.
public struct AgentSessionControl: Sendable {
    let loop: any EventLoop
    let handler: NIOLoopBound<AgentSessionHandler>
    public let channel: any Channel

    /// Tells connections apart (for as long as the connection is open).
    public var connectionID: ObjectIdentifier { ObjectIdentifier(channel) }

    public func sendChat(_ text: String) {
        let handler = handler
        loop.execute { try? handler.value.sendChat(text) }
    }

    public func setPaused(_ paused: Bool) {
        let handler = handler
        loop.execute { handler.value.setPaused(paused) }
    }

    /// Offers a file to the viewer (the control owns its descriptor from now on).
    public func offerFile(_ file: OutgoingFile) {
        let handler = handler
        loop.execute { handler.value.offerFile(file) }
    }

    public func acceptFile(_ id: UInt32) {
        let handler = handler
        loop.execute { handler.value.acceptFile(id) }
    }

    public func declineFile(_ id: UInt32, reason: String) {
        let handler = handler
        loop.execute { handler.value.declineFile(id, reason: reason) }
    }

    /// Stops this session's transfers and withdraws its open offers; returns how many.
    public func cancelFiles(reason: String) async -> Int {
        let handler = handler
        return (try? await loop.submit { handler.value.cancelFiles(reason: reason) }.get()) ?? 0
    }

    /// Updates and bytes sent so far.
    public func statistics() async -> SessionStatistics {
        let handler = handler
        return (try? await loop.submit { handler.value.statistics }.get()) ?? SessionStatistics()
    }

    /// Ends the session: the viewer is told why (when it understands SessionEnd), then the connection closes.
    public func end(reason: SessionEnd.Reason, text: String) {
        let handler = handler
        loop.execute { handler.value.end(reason: reason, text: text) }
    }
}
