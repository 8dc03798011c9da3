import Foundation
public import Pixels
import PNGSnapshot
import RFBTransport
import Synchronization

/// Writes the viewer's picture as PNG files in a folder: `latest.png` (replaced atomically, at most
/// `maxPerSecond` times a second, on a background thread so decoding never waits for it), numbered
/// snapshots on demand, and a final one at the end. The newest picture wins: frames offered while a
/// write is running replace each other. `status.json` (``StatusFile``) beside the pictures learns from
/// here when `latest.png` changed; the session model tells it the rest.
public final class SnapshotWriter: Sendable {
    public let directory: String
    public let maxPerSecond: Double
    /// `status.json` in the same folder.
    public let status: StatusFile
    private struct State {
        var pending: Framebuffer?
        var overlay: PointerOverlay?
        var writing = false
        var lastWrite: ContinuousClock.Instant?
        var numbered = 0
        var written = 0
        var lastError: String?
        var finalWritten = false
    }
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "remote-assist snapshots")

    /// Told (once per distinct message) when a write fails; the previous file stays as it was.
    private let onError: @Sendable (String) -> Void

    /// Creates the folder (mode 0700) or checks that an existing one is private: throws a
    /// `PrivateFolderError` when it is not a folder, is someone else's, or others may write to it.
    /// Pictures are written mode 0600.
    public init(directory: String, maxPerSecond: Double = 2, onError: @escaping @Sendable (String) -> Void = { _ in }) throws {
        try PrivateFolder.prepare(directory, purpose: "the snapshots folder")
        self.directory = directory
        self.maxPerSecond = max(0.1, maxPerSecond)
        self.onError = onError
        status = StatusFile(path: directory + "/status.json", onError: onError)
    }

    public var latestPath: String { directory + "/latest.png" }
    public var framesWritten: Int { state.withLock { $0.written } }
    public var lastError: String? { state.withLock { $0.lastError } }
    /// `final.png`, once ``finish(_:pointer:)`` wrote it.
    public var finalPath: String? { state.withLock { $0.finalWritten } ? directory + "/final.png" : nil }

    /// Offers a new picture (and the remote pointer to draw on it); written when the rate allows.
    public func offer(_ framebuffer: Framebuffer, pointer: PointerOverlay? = nil) {
        let start = state.withLock { s -> Bool in
            s.pending = framebuffer
            s.overlay = pointer
            guard !s.writing else { return false }
            s.writing = true
            return true
        }
        if start { queue.async { self.drain() } }
    }

    private func drain() {
        while true {
            let next = state.withLock { s -> (Framebuffer, Duration)? in
                guard let fb = s.pending else { s.writing = false; return nil }
                s.pending = nil
                let interval = Duration.milliseconds(Int(1000 / maxPerSecond))
                let wait = s.lastWrite.map { max(.zero, interval - (ContinuousClock.now - $0)) } ?? .zero
                return (fb, wait)
            }
            guard let (fb, wait) = next else { return }
            if wait > .zero {
                Thread.sleep(forTimeInterval: Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)
                // A newer picture may have come while waiting: take it instead.
                let newer = state.withLock { s -> Framebuffer? in let n = s.pending; s.pending = nil; return n }
                write(newer ?? fb, to: latestPath)
            } else {
                write(fb, to: latestPath)
            }
        }
    }

    private func write(_ fb: Framebuffer, to path: String) {
        let overlay = state.withLock { $0.overlay }
        do {
            try PNGCodec.write(overlay?.drawn(on: fb) ?? fb, to: path)
            state.withLock { $0.lastWrite = .now; $0.written += 1; $0.lastError = nil }
            status.pictureWritten()
        } catch {
            report(error)
        }
    }

    /// Tells `onError` about a failed write, once per distinct message until a write succeeds again.
    private func report(_ error: any Error) {
        let message = "\(error)"
        let isNew = state.withLock { s -> Bool in
            defer { s.lastError = message }
            return s.lastError != message
        }
        if isNew { onError(message + "; the last good picture stays") }
    }

    /// Writes a numbered snapshot now (`snapshot-0001.png`, …) and returns its path.
    @discardableResult
    public func snapshot(_ framebuffer: Framebuffer, pointer: PointerOverlay? = nil, name: String? = nil) throws -> String {
        let n = state.withLock { s -> Int in s.numbered += 1; return s.numbered }
        let path = directory + "/" + (name ?? String(format: "snapshot-%04d.png", n))
        try PNGCodec.write(pointer?.drawn(on: framebuffer) ?? framebuffer, to: path)
        return path
    }

    /// Waits for background writes, then writes `framebuffer` as `latest.png` and `final.png`. A failure
    /// is reported (and thrown); files that could not be written keep their previous contents.
    public func finish(_ framebuffer: Framebuffer, pointer: PointerOverlay? = nil) throws {
        queue.sync {}
        while state.withLock({ $0.writing }) { queue.sync {} ; Thread.sleep(forTimeInterval: 0.005) }
        let picture = pointer?.drawn(on: framebuffer) ?? framebuffer
        do {
            try PNGCodec.write(picture, to: directory + "/final.png")
            state.withLock { $0.finalWritten = true }
            try PNGCodec.write(picture, to: latestPath)
            state.withLock { $0.lastError = nil }
            status.pictureWritten()
        } catch {
            report(error)
            throw error
        }
    }
}
