import Foundation
import NIOCore
import Pixels
import RFBProtocol
import Synchronization

/// The capture thread of one viewer connection: waits for screen changes (DAMAGE, no polling), captures,
/// builds updates and hands them to the connection — at most one update in flight, so a slow viewer
/// never makes updates queue up: damage accumulates in a bounded tile map and the newest picture wins.
///
/// The event loop talks to it only through `PumpState` under a mutex and the wake pipe.
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
        /// The first capture is done: the screen is width x height (send ServerInit now).
        var ready: @Sendable (_ width: Int, _ height: Int) -> Void
        /// Write one update; call `done` once it is written (or failed).
        var send: @Sendable (_ update: ByteBuffer, _ done: @escaping @Sendable () -> Void) -> Void
        /// The screen changed size (after the resize update was handed to `send`).
        var resized: @Sendable (_ width: Int, _ height: Int) -> Void
        /// The pump stopped on an error.
        var failed: @Sendable (_ error: any Error) -> Void
    }

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
    private let wake: WakeSignal
    private let makeSource: @Sendable () throws -> any ScreenSource
    private let callbacks: Callbacks

    init(deferMilliseconds: Int = 8, makeSource: @escaping @Sendable () throws -> any ScreenSource,
         callbacks: Callbacks) throws {
        self.deferMilliseconds = deferMilliseconds
        self.makeSource = makeSource
        self.callbacks = callbacks
        wake = try WakeSignal()
    }

    /// Every capture thread of the process, so a command can wait for them before it exits (a thread
    /// still inside Xlib while the process tears down can crash it).
    private static let threads = DispatchGroup()
    /// REMOTE_ASSIST_TRACE=1: one line per update on standard error (what it held), for tuning.
    static let trace = ProcessInfo.processInfo.environment["REMOTE_ASSIST_TRACE"] != nil

    /// Waits until every capture thread has stopped (after their sessions ended); false on timeout.
    public static func waitForAllToStop(timeoutSeconds: Double = 3) -> Bool {
        threads.wait(timeout: .now() + timeoutSeconds) == .success
    }

    func start() {
        Self.threads.enter()
        let thread = Thread { [self] in
            run()
            Self.threads.leave()
        }
        thread.name = "remote-assist capture"
        thread.start()
    }

    // MARK: - Event-loop side

    func update(_ body: @Sendable (inout State) -> Void) {
        state.withLock { body(&$0) }
        wake.signal()
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

    func stop() { update { $0.stopped = true } }

    /// Updates and bytes handed to the connection so far.
    var statistics: SessionStatistics {
        state.withLock { SessionStatistics(updates: $0.updatesSent, bytes: $0.bytesSent, paused: $0.paused) }
    }

    // MARK: - Capture thread

    private func run() {
        do {
            let source = try makeSource()
            try loop(source)
        } catch {
            if !state.withLock({ $0.stopped }) { callbacks.failed(error) }
        }
    }

    private func loop(_ source: any ScreenSource) throws {
        var live = Framebuffer(width: 0, height: 0)
        _ = try source.capture(into: &live, full: true)
        let builder = UpdateBuilder(width: live.width, height: live.height)
        builder.keepsSummary = Self.trace
        var damage = TileMap(width: live.width, height: live.height)
        damage.markAll()
        var cursorDirty = true
        var pointer: (x: Int, y: Int)?
        var pointerDirty = false
        var firstDamage: ContinuousClock.Instant?
        // The first change after a quiet spell goes out at once (latency); only changes that follow an
        // update closely wait deferMilliseconds to gather more (a terminal printing line by line).
        var lastBuilt = ContinuousClock.now - .seconds(1)
        let minimumGather = Duration.milliseconds(deferMilliseconds)
        let maximumGather = max(minimumGather, .milliseconds(Self.maximumGatherMilliseconds))
        // How long changes gather after the first one before an update is built (adapted to the cost).
        var gather = minimumGather
        func damageSeen() -> ContinuousClock.Instant {
            let now = ContinuousClock.now
            return now - lastBuilt > .milliseconds(Self.quietMilliseconds) ? now - gather : now
        }
        callbacks.ready(live.width, live.height)

        while true {
            let snapshot = state.withLock { $0 }
            if snapshot.stopped { return }
            let wanted = !snapshot.inFlight && !snapshot.paused
                && (snapshot.request != nil || snapshot.continuousArea != nil)
            let forced = snapshot.request.map { !$0.incremental } ?? false || !snapshot.leading.isEmpty
            if snapshot.settings.pointerPosition, let now = try source.pointerPosition(),
               pointer.map({ $0.x != now.x || $0.y != now.y }) ?? true {
                pointer = now
                pointerDirty = true
            }
            let dirty = source.hasPendingChanges || !damage.isEmpty || cursorDirty || pointerDirty
            if wanted && (dirty || forced) {
                if !forced, let first = firstDamage, ContinuousClock.now - first < gather {
                    let left = Int((first + gather - ContinuousClock.now) / .milliseconds(1))
                    _ = try source.waitForEvents(timeoutMilliseconds: max(1, left), wakeFileDescriptor: wake.readFD)
                    wake.drain()
                    continue
                }
                let started = ContinuousClock.now
                let change = try source.capture(into: &live, full: false)
                if change.resized {
                    try handleResize(live: live, builder: builder, settings: snapshot.settings)
                    damage = TileMap(width: live.width, height: live.height)
                    damage.markAll()
                    continue
                }
                for r in change.damage { damage.mark(r) }
                if change.cursorChanged { cursorDirty = true }
                if firstDamage == nil && !damage.isEmpty && !forced {
                    firstDamage = damageSeen()
                    continue
                }
                let taken = state.withLock { s -> (Request, [Rectangle], UpdateSettings) in
                    let r = s.request ?? Request(area: s.continuousArea ?? live.bounds, incremental: true)
                    s.request = nil
                    let leading = s.leading
                    s.leading = []
                    return (r, leading, s.settings)
                }
                let (request, leading, settings) = taken
                let cursor = cursorDirty && settings.cursor ? try source.cursorImage() : nil
                let update = try builder.build(live: live, damage: damage.markedSpans, area: request.area,
                                               incremental: request.incremental, settings: settings,
                                               leading: leading, cursor: cursor, pointer: pointerDirty ? pointer : nil)
                damage.clear()
                cursorDirty = false
                pointerDirty = false
                firstDamage = nil
                lastBuilt = .now
                gather = min(maximumGather, max(minimumGather, (lastBuilt - started) * Self.costShare))
                if let update {
                    if Self.trace { FileHandle.standardError.write(Data("trace: \(builder.lastSummary)\n".utf8)) }
                    state.withLock { s in
                        s.inFlight = true
                        s.updatesSent += 1
                        s.bytesSent += update.readableBytes
                    }
                    callbacks.send(update) { [self] in
                        state.withLock { $0.inFlight = false }
                        wake.signal()
                    }
                } else if snapshot.continuousArea == nil {
                    // Nothing changed after all: the incremental request stays open (RFB answers it later).
                    state.withLock { s in if s.request == nil { s.request = request } }
                }
                continue
            }
            // The pointer moves without DAMAGE: while the viewer follows it and waits for an update,
            // look again every 100 ms (a cheap round trip); otherwise sleep until an X event or a wake-up.
            let followPointer = wanted && snapshot.settings.pointerPosition
            _ = try source.waitForEvents(timeoutMilliseconds: followPointer ? 100 : -1, wakeFileDescriptor: wake.readFD)
            wake.drain()
            if firstDamage == nil && source.hasPendingChanges { firstDamage = damageSeen() }
        }
    }

    private func handleResize(live: Framebuffer, builder: UpdateBuilder, settings: UpdateSettings) throws {
        guard let update = try builder.resize(width: live.width, height: live.height, settings: settings) else {
            throw AgentError.viewerCannotFollowResize
        }
        state.withLock { $0.inFlight = true }
        callbacks.send(update) { [self] in
            state.withLock { $0.inFlight = false }
            wake.signal()
        }
        callbacks.resized(live.width, live.height)
    }
}
