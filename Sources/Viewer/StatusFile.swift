public import Foundation
import PNGSnapshot
import PeerText
import Synchronization

/// `status.json` beside `latest.png`, so that whoever reads the picture can tell an idle or paused
/// screen from a frozen link:
///
///     {"connected": true, "paused": false, "last_update": "2025-05-01T09:30:12.250Z", "peer": "bob",
///      "fingerprint": "SHA256:…", "width": 1024, "height": 768, "updated": "2025-05-01T09:30:13.002Z"}
///
/// `last_update` is when `latest.png` last got a new picture (null before the first), `updated` when
/// this file was written. The file is replaced like the pictures: a temporary file created
/// O_EXCL|O_NOFOLLOW mode 0600, then rename(2), so a reader never sees half of it and a link planted
/// under the name is replaced, never followed.
///
/// Written at once when the session changes (``update(_:)``: start, pause, resume, resize, end) and at
/// most once per `minimumInterval` while pictures arrive (``pictureWritten(at:)``, called by the
/// snapshot writer after it replaced `latest.png`, on its own thread: never once per frame); a picture
/// inside the interval is written when the interval is over.
public final class StatusFile: Sendable {
    public struct Status: Sendable, Equatable {
        public var connected = false
        public var paused = false
        /// When `latest.png` last got a new picture.
        public var lastUpdate: Date?
        /// The peer's name as the person knows it (cleaned again when written).
        public var peer: String?
        public var fingerprint: String?
        public var width = 0
        public var height = 0

        public init() {}
    }

    public let path: String
    public let minimumInterval: Duration
    private struct State {
        var status = Status()
        var lastWrite: ContinuousClock.Instant?
        /// A write is scheduled for the end of the interval (it takes the status of that moment).
        var deferred = false
        var written = 0
        var lastError: String?
    }
    private let state = Mutex(State())
    /// Held while a file is written, so that the newest status is the one left in place.
    private let writing = Mutex(())
    private let queue = DispatchQueue(label: "remote-assist status file")
    private let onError: @Sendable (String) -> Void

    /// `onError` is told once per distinct message when a write fails; the previous file stays.
    public init(path: String, minimumInterval: Duration = .seconds(1), onError: @escaping @Sendable (String) -> Void = { _ in }) {
        self.path = path
        self.minimumInterval = minimumInterval
        self.onError = onError
    }

    public var status: Status { state.withLock { $0.status } }
    /// Files written so far.
    public var writes: Int { state.withLock { $0.written } }

    /// The session changed: written now.
    public func update(_ change: (inout Status) -> Void) {
        state.withLock { change(&$0.status) }
        write()
    }

    /// `latest.png` got a new picture at `date`: written now if the last write is `minimumInterval` old,
    /// else once the interval is over.
    public func pictureWritten(at date: Date = Date()) {
        let wait = state.withLock { s -> Duration? in
            s.status.lastUpdate = date
            guard !s.deferred else { return nil }
            guard let last = s.lastWrite, ContinuousClock.now - last < minimumInterval else { return .zero }
            s.deferred = true
            return minimumInterval - (ContinuousClock.now - last)
        }
        guard let wait else { return }
        if wait == .zero { return write() }
        let (seconds, attoseconds) = wait.components
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))) {
            self.state.withLock { $0.deferred = false }
            self.write()
        }
    }

    private func write() {
        writing.withLock { _ in
            let status = state.withLock { $0.status }
            do {
                try AtomicFile.write(Self.json(status, updated: Date()), to: path)
                state.withLock { $0.lastWrite = .now; $0.written += 1; $0.lastError = nil }
            } catch {
                let message = "\(error)"
                let isNew = state.withLock { s -> Bool in
                    defer { s.lastError = message }
                    return s.lastError != message
                }
                if isNew { onError(message + "; the previous status.json stays") }
            }
        }
    }

    /// The file's bytes: one JSON object, keys sorted, times in ISO 8601 (UTC, milliseconds).
    static func json(_ status: Status, updated: Date) -> [UInt8] {
        let body = Body(connected: status.connected, paused: status.paused, lastUpdate: status.lastUpdate.map(iso8601),
                        peer: status.peer.map { PeerText.clean($0, limit: PeerText.nameLimit) },
                        fingerprint: status.fingerprint.map { PeerText.clean($0, limit: PeerText.nameLimit) },
                        width: status.width, height: status.height, updated: iso8601(updated))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings, booleans and integers cannot fail; an empty object would still be valid JSON.
        let data = (try? encoder.encode(body)) ?? Data("{}".utf8)
        return Array(data) + [0x0A]
    }

    static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// The JSON object; absent values are written as null, not left out.
    private struct Body: Encodable {
        let connected: Bool
        let paused: Bool
        let lastUpdate: String?
        let peer: String?
        let fingerprint: String?
        let width: Int
        let height: Int
        let updated: String

        enum CodingKeys: String, CodingKey {
            case connected, paused, lastUpdate = "last_update", peer, fingerprint, width, height, updated
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(connected, forKey: .connected)
            try c.encode(paused, forKey: .paused)
            try c.encode(lastUpdate, forKey: .lastUpdate)
            try c.encode(peer, forKey: .peer)
            try c.encode(fingerprint, forKey: .fingerprint)
            try c.encode(width, forKey: .width)
            try c.encode(height, forKey: .height)
            try c.encode(updated, forKey: .updated)
        }
    }
}
