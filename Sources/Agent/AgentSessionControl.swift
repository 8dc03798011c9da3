public import NIOCore
public import RFBProtocol
public import Pixels

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
