import Foundation
import NIOCore
import Pixels
import RFBProtocol
import Synchronization

/// One viewer connection's share of its display's `SharedScreen`: what the viewer asked for (requests,
/// continuous updates, settings, pause) and the one update in flight. The screen's capture thread builds
/// this viewer's updates and hands them to the connection — at most one in flight, so a slow viewer never
/// makes updates queue up: damage accumulates in its bounded tile map and the newest picture wins. A slow
/// or paused viewer does not hold the other viewers of the screen back.
///
/// The event loop talks to it only through `State` under a mutex and the screen's wake pipe.
public final class CapturePump: Sendable {
    struct Request: Sendable, Equatable {
        var area: Rect
        var incremental: Bool
    }

    struct State: Sendable {
        var request: Request?
        var continuousArea: Rect?
        var settings = UpdateSettings()
        var leading: [Rectangle] = []
        var inFlight = false
        var paused = false
        var stopped = false
        var updatesSent = 0
        var bytesSent = 0
    }

    struct Callbacks: Sendable {
        /// The screen is captured: it is width x height (send ServerInit now).
        var ready: @Sendable (_ width: Int, _ height: Int) -> Void
        /// Write one update, which carries `leading` (pseudo-rectangles such as the extensions'
        /// confirmations) first; call `done` once it is written (or failed).
        var send: @Sendable (_ update: ByteBuffer, _ leading: [Rectangle], _ done: @escaping @Sendable () -> Void) -> Void
        /// The screen changed size (after the resize update was handed to `send`).
        var resized: @Sendable (_ width: Int, _ height: Int) -> Void
        /// The pump stopped on an error.
        var failed: @Sendable (_ error: any Error) -> Void
    }

    static let defaultDeferMilliseconds = 8
    /// Damage younger than this is left to gather a little more before an update is built (coalescing
    /// many small changes, e.g. a terminal printing line by line, into one update).
    let deferMilliseconds: Int
    /// No update built for this long: the next change is not deferred.
    static let quietMilliseconds = 50
    /// While changes follow each other closely, they gather for up to this many times the last update's
    /// cost (capture to built, wall clock) before the next update is built: an update of a large area
    /// (a terminal scroll rewrites the whole terminal for 5 new lines) costs about the same however few
    /// lines it carries, so at high change rates a few batches go into one update instead of one each,
    /// and the agent spends at most about 1/`costShare` of its time building updates. A cheap update
    /// (typing, a small square) still goes out after `deferMilliseconds`.
    static let costShare = 10
    /// The most a change waits to gather more (20 updates a second under sustained large changes).
    static let maximumGatherMilliseconds = 50
    private let state = Mutex(State())
    private let screen: SharedScreen
    let callbacks: Callbacks

    init(deferMilliseconds: Int = CapturePump.defaultDeferMilliseconds, screen: SharedScreen, callbacks: Callbacks) {
        self.deferMilliseconds = deferMilliseconds
        self.screen = screen
        self.callbacks = callbacks
    }

    /// REMOTE_ASSIST_TRACE=1: one line per update on standard error (what it held, what it cost), for tuning.
    static let trace = ProcessInfo.processInfo.environment["REMOTE_ASSIST_TRACE"] != nil

    /// Waits until every capture thread has stopped (after their sessions ended); false on timeout.
    public static func waitForAllToStop(timeoutSeconds: Double = 3) -> Bool {
        SharedScreen.threads.wait(timeout: .now() + timeoutSeconds) == .success
    }

    /// Joins the screen's capture (opening it when this is its first viewer).
    func start() throws {
        try screen.attach(self)
    }

    // MARK: - Event-loop side

    func update(_ body: @Sendable (inout State) -> Void) {
        state.withLock { body(&$0) }
        screen.wake()
    }

    func request(area: Rect, incremental: Bool) {
        update { s in
            if let r = s.request {
                s.request = Request(area: r.area.union(area), incremental: r.incremental && incremental)
            } else {
                s.request = Request(area: area, incremental: incremental)
            }
        }
    }

    /// Leaves the screen: no update is built for this viewer any more (the others go on).
    func stop() {
        state.withLock { $0.stopped = true }
        screen.detach(self)
    }

    /// Updates and bytes handed to the connection so far.
    var statistics: SessionStatistics {
        state.withLock { SessionStatistics(updates: $0.updatesSent, bytes: $0.bytesSent, paused: $0.paused) }
    }

    // MARK: - Capture-thread side

    var snapshot: State { state.withLock { $0 } }

    func captureFailed(_ error: any Error) {
        if !state.withLock({ $0.stopped }) { callbacks.failed(error) }
    }

    /// Builds and sends this viewer's update from `live` (its request is taken now); when nothing
    /// changed for it, an incremental request stays open (RFB answers it later).
    func build(live: Framebuffer, work: ViewerDamage, cursor: CursorImage?, captureTime: Duration, sharedBy: Int) {
        let taken = state.withLock { s -> (Request, [Rectangle], UpdateSettings, Bool) in
            let r = s.request ?? Request(area: s.continuousArea ?? live.bounds, incremental: true)
            s.request = nil
            let leading = s.leading
            s.leading = []
            return (r, leading, s.settings, s.continuousArea != nil)
        }
        let (request, leading, settings, continuous) = taken
        let update: ByteBuffer?
        do {
            update = try work.builder.build(live: live, damage: work.damage.markedSpans, area: request.area,
                                            incremental: request.incremental, settings: settings, leading: leading,
                                            cursor: work.cursorDirty && settings.cursor ? cursor : nil,
                                            pointer: work.pointerDirty ? work.pointer : nil)
        } catch {
            screen.detach(self)
            return captureFailed(error)
        }
        work.sent()
        guard let update else {
            if !continuous { state.withLock { s in if s.request == nil { s.request = request } } }
            return
        }
        if Self.trace {
            let b = work.builder
            FileHandle.standardError.write(Data(("trace: capture \(Self.ms(captureTime)) ms shared by \(sharedBy), detect "
                + "\(Self.ms(b.lastDetectTime)) ms, encode \(Self.ms(b.lastEncodeTime)) ms: \(b.lastSummary)\n").utf8))
        }
        state.withLock { s in
            s.inFlight = true
            s.updatesSent += 1
            s.bytesSent += update.readableBytes
        }
        callbacks.send(update, leading) { [self] in
            state.withLock { $0.inFlight = false }
            screen.wake()
        }
    }

    /// The screen changed size: the viewer is told (false when it cannot follow a resize).
    func resize(live: Framebuffer, work: ViewerDamage) -> Bool {
        let settings = state.withLock { $0.settings }
        guard let update = try? work.builder.resize(width: live.width, height: live.height, settings: settings) else {
            return false
        }
        state.withLock { $0.inFlight = true }
        callbacks.send(update, []) { [self] in
            state.withLock { $0.inFlight = false }
            screen.wake()
        }
        callbacks.resized(live.width, live.height)
        return true
    }

    private static func ms(_ d: Duration) -> String {
        String(format: "%.3f", Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
    }
}
