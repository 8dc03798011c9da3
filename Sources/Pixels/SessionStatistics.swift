/// Running totals of a session, for the status line: pictures (FramebufferUpdates) and their bytes.
public struct SessionStatistics: Sendable, Equatable {
    public var updates: Int
    public var bytes: Int
    public var paused: Bool

    public init(updates: Int = 0, bytes: Int = 0, paused: Bool = false) {
        self.updates = updates
        self.bytes = bytes
        self.paused = paused
    }

    /// "12 fps · 340 kbit/s" over the time since `earlier`.
    public func rates(since earlier: SessionStatistics, seconds: Double) -> String {
        guard seconds > 0 else { return "" }
        let fps = Double(updates - earlier.updates) / seconds
        let kbit = Double(bytes - earlier.bytes) * 8 / 1000 / seconds
        return "\(Int(fps.rounded())) fps · \(Int(kbit.rounded())) kbit/s"
    }
}
