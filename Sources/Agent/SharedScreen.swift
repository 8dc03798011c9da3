import Foundation
import NIOCore
public import Pixels
import Synchronization

/// The screen of one display as the agent process captures it, however many viewers watch: one capture
/// thread, one screen source (one X connection, one MIT-SHM image, one DAMAGE), one live framebuffer.
/// Each capture's damage goes to every attached viewer's pending tiles (`ViewerDamage`); each viewer
/// keeps only what must be its own (the picture it holds, its compression streams, its requests). So a
/// second viewer costs its own change comparison and encoding, not a second capture.
///
/// The thread runs while a viewer is attached (`CapturePump`), captures only when an attached viewer
/// wants an update (none paused, waiting for a write, or without a request), and closes the source when
/// the last viewer leaves; the next viewer opens it again.
public final class SharedScreen: Sendable {
    private struct Attached {
        var viewers: [CapturePump] = []
        var running = false
        var wake: WakeSignal?
    }

    let makeSource: @Sendable () throws -> any ScreenSource
    private let attached = Mutex(Attached())

    public init(makeSource: @escaping @Sendable () throws -> any ScreenSource) {
        self.makeSource = makeSource
    }

    /// Every capture thread of the process, so a command can wait for them before it exits (a thread
    /// still inside Xlib while the process tears down can crash it).
    static let threads = DispatchGroup()

    /// Viewers attached now (for tests and the status line).
    public var viewerCount: Int { attached.withLock { $0.viewers.count } }

    /// Adds `pump`; starts the capture thread when it is the first viewer.
    func attach(_ pump: CapturePump) throws {
        let start = try attached.withLock { a -> WakeSignal? in
            if a.wake == nil { a.wake = try WakeSignal() }
            a.viewers.append(pump)
            guard !a.running else { return nil }
            a.running = true
            return a.wake
        }
        wake()
        guard let start else { return }
        Self.threads.enter()
        let thread = Thread { [self] in
            run(start)
            Self.threads.leave()
        }
        thread.name = "remote-assist capture"
        thread.start()
    }

    /// Removes `pump` (it stopped); the thread stops after the last one.
    func detach(_ pump: CapturePump) {
        attached.withLock { $0.viewers.removeAll { $0 === pump } }
        wake()
    }

    /// Wakes the capture thread (a request, a finished write, a pause or a viewer leaving).
    func wake() {
        attached.withLock { $0.wake }?.signal()
    }

    // MARK: - Capture thread

    /// The viewers to serve now, or nil when none is left (the thread then ends, atomically with
    /// `attach`, which starts a new one with a new wake-up pipe: an idle agent holds no descriptor of
    /// a screen nobody watches).
    private func current() -> [CapturePump]? {
        attached.withLock { a in
            if a.viewers.isEmpty {
                a.running = false
                a.wake = nil
                return nil
            }
            return a.viewers
        }
    }

    private func run(_ wake: WakeSignal) {
        var capture = ScreenCapture()
        do {
            let source = try makeSource()
            try loop(source, wake, &capture)
        } catch {
            let failed = attached.withLock { a -> [CapturePump] in
                let viewers = a.viewers
                a.viewers = []
                a.running = false
                a.wake = nil
                return viewers
            }
            for pump in failed { pump.captureFailed(error) }
        }
    }

    private func loop(_ source: any ScreenSource, _ wake: WakeSignal, _ capture: inout ScreenCapture) throws {
        _ = try source.capture(into: &capture.live, full: true)
        var viewers: [(pump: CapturePump, work: ViewerDamage)] = []
        var firstDamage: ContinuousClock.Instant?
        // The first change after a quiet spell goes out at once (latency); only changes that follow an
        // update closely wait deferMilliseconds to gather more (a terminal printing line by line).
        var lastBuilt = ContinuousClock.now - .seconds(1)
        var gather = Duration.milliseconds(CapturePump.defaultDeferMilliseconds)

        while true {
            guard let pumps = current() else { return }
            viewers.removeAll { v in !pumps.contains { $0 === v.pump } }
            let joining = pumps.filter { p in !viewers.contains { $0.pump === p } }
            if !joining.isEmpty {
                // A newcomer gets a screen captured now (its ServerInit size); the others get its damage.
                if !viewers.isEmpty { try distribute(capture.take(from: source), to: &viewers, live: capture.live) }
                for pump in joining {
                    viewers.append((pump, ViewerDamage(width: capture.live.width, height: capture.live.height,
                                                       keepsSummary: CapturePump.trace)))
                    pump.callbacks.ready(capture.live.width, capture.live.height)
                }
                continue
            }
            let minimumGather = Duration.milliseconds(pumps.map(\.deferMilliseconds).min() ?? CapturePump.defaultDeferMilliseconds)
            let maximumGather = max(minimumGather, .milliseconds(CapturePump.maximumGatherMilliseconds))
            func damageSeen() -> ContinuousClock.Instant {
                let now = ContinuousClock.now
                return now - lastBuilt > .milliseconds(CapturePump.quietMilliseconds) ? now - gather : now
            }
            let snapshots = viewers.map { $0.pump.snapshot }
            let wanted = snapshots.map { s in !s.inFlight && !s.paused && !s.stopped && (s.request != nil || s.continuousArea != nil) }
            let forced = snapshots.indices.map { i in
                wanted[i] && (snapshots[i].request.map { !$0.incremental } ?? false || !snapshots[i].leading.isEmpty)
            }
            if snapshots.contains(where: { $0.settings.pointerPosition && !$0.stopped }), let now = try source.pointerPosition() {
                for (i, v) in viewers.enumerated() where snapshots[i].settings.pointerPosition {
                    if v.work.pointer.map({ $0.x != now.x || $0.y != now.y }) ?? true {
                        v.work.pointer = now
                        v.work.pointerDirty = true
                    }
                }
            }
            let pending = source.hasPendingChanges
            let ready = viewers.indices.filter { wanted[$0] && (pending || viewers[$0].work.isDirty || forced[$0]) }
            if !ready.isEmpty {
                let anyForced = ready.contains { forced[$0] }
                if !anyForced, let first = firstDamage, ContinuousClock.now - first < gather {
                    let left = Int((first + gather - ContinuousClock.now) / .milliseconds(1))
                    _ = try source.waitForEvents(timeoutMilliseconds: max(1, left), wakeFileDescriptor: wake.readFD)
                    wake.drain()
                    continue
                }
                let started = ContinuousClock.now
                let change = try capture.take(from: source)
                try distribute(change, to: &viewers, live: capture.live)
                if change.resized { continue }
                if firstDamage == nil && !anyForced && ready.contains(where: { !viewers[$0].work.damage.isEmpty }) {
                    firstDamage = damageSeen()
                    continue
                }
                var cursor: CursorImage??
                for i in ready {
                    let (pump, work) = viewers[i]
                    if work.cursorDirty && snapshots[i].settings.cursor && cursor == nil { cursor = .some(try source.cursorImage()) }
                    pump.build(live: capture.live, work: work, cursor: cursor ?? nil, captureTime: capture.lastTime,
                               sharedBy: viewers.count)
                }
                firstDamage = nil
                lastBuilt = .now
                gather = min(maximumGather, max(minimumGather, (lastBuilt - started) * CapturePump.costShare))
                continue
            }
            // The pointer moves without DAMAGE: while a viewer follows it and waits for an update, look
            // again every 100 ms (a cheap round trip); otherwise sleep until an X event or a wake-up.
            let followPointer = viewers.indices.contains { wanted[$0] && snapshots[$0].settings.pointerPosition }
            _ = try source.waitForEvents(timeoutMilliseconds: followPointer ? 100 : -1, wakeFileDescriptor: wake.readFD)
            wake.drain()
            if firstDamage == nil && source.hasPendingChanges { firstDamage = damageSeen() }
        }
    }

    /// Marks one capture's changes for every viewer; a resize goes to each (one that cannot follow it
    /// is told so and leaves, the others stay).
    private func distribute(_ change: CaptureChange, to viewers: inout [(pump: CapturePump, work: ViewerDamage)],
                            live: Framebuffer) throws {
        if change.resized {
            var gone: [CapturePump] = []
            for v in viewers {
                v.work.resized(width: live.width, height: live.height)
                if !v.pump.resize(live: live, work: v.work) { gone.append(v.pump) }
            }
            for pump in gone {
                detach(pump)
                pump.captureFailed(AgentError.viewerCannotFollowResize)
            }
            viewers.removeAll { v in gone.contains { $0 === v.pump } }
            return
        }
        for v in viewers {
            for r in change.damage { v.work.damage.mark(r) }
            if change.cursorChanged { v.work.cursorDirty = true }
        }
    }
}

/// The live framebuffer of the capture thread and what its last capture cost.
private struct ScreenCapture {
    var live = Framebuffer(width: 0, height: 0)
    var lastTime = Duration.zero

    mutating func take(from source: any ScreenSource) throws -> CaptureChange {
        let t0 = ContinuousClock.now
        let change = try source.capture(into: &live, full: false)
        lastTime = .now - t0
        return change
    }
}
