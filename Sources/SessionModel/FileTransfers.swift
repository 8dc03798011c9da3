public import Foundation
import PeerText
public import RFBTransport

/// One file offered or moving in a session, as the person sees it. The name is cleaned.
public struct FileRecord: Sendable, Equatable {
    public enum Phase: String, Sendable { case offered, moving }
    public let session: Int
    public let id: UInt32
    public let direction: FileDirection
    /// Cleaned (`PeerText`) for display; for our own files the name we offered.
    public let name: String
    public let size: Int64
    public let sha256: String
    public var phase: Phase = .offered
    public var bytes: Int64 = 0
    public var startedAt: Date?
    var lastNotice = Date.distantPast

    /// "12.3 MB of 27 MB (45%) at 8.1 MB/s, 2 s left".
    public func progressText(now: Date = Date()) -> String {
        let percent = size > 0 ? Int(Double(bytes) * 100 / Double(size)) : 100
        var text = "\(FileTransferLink.size(bytes)) of \(FileTransferLink.size(size)) (\(percent)%)"
        if let startedAt, now.timeIntervalSince(startedAt) > 0.2, bytes > 0 {
            let rate = Double(bytes) / now.timeIntervalSince(startedAt)
            let left = Int((Double(size - bytes) / rate).rounded(.up))
            text += " at \(FileTransferLink.size(Int64(rate)))/s, \(left) s left"
        }
        return text
    }
}

struct FileKey: Hashable, Sendable {
    let session: Int
    let id: UInt32
    let direction: FileDirection
}

/// The files of every session of this process, in the model's state.
struct FileLedger: Sendable {
    var records: [FileKey: FileRecord] = [:]
    /// The peers' offers waiting for /accept or /decline, oldest first.
    var waiting: [FileKey] = []
}

/// Sending, accepting, declining and cancelling files, and what the connections report about them.
/// Peer names of files are cleaned as they enter; the requester's audit log (the expert's chat log)
/// gets a line for each file offered, accepted, declined, delivered, stored, cancelled or failed.
extension SessionModel {
    /// Progress notices per transfer: at most one per this many seconds.
    static let progressNoticeSeconds = 2.0

    /// The files offered or moving now, oldest session first.
    public var files: [FileRecord] {
        state.withLock { s in s.files.records.values.sorted { ($0.session, $0.id) < ($1.session, $1.id) } }
    }

    /// The peers' offers waiting for an answer, oldest first.
    public var waitingOffers: [FileRecord] {
        state.withLock { s in s.files.waiting.compactMap { s.files.records[$0] } }
    }

    /// For the status line: the transfers moving now ("sending report.log 45% at 8.1 MB/s, 2 s left").
    public var fileStatus: String? {
        let moving = files.filter { $0.phase == .moving }
        guard !moving.isEmpty else { return nil }
        return moving.map { "\($0.direction == .sending ? "sending" : "receiving") \($0.name) \($0.progressText())" }
            .joined(separator: "; ")
    }

    /// `/send PATH`: the file is opened and hashed (off the caller's thread), then offered to every live
    /// session. Returns false (after a notice) when there is no session to send to.
    @discardableResult
    public func sendFile(_ path: String) -> Bool {
        let controls = liveControls
        guard !controls.isEmpty else {
            notice("file_not_sent", "no session: \(path) not offered", ["path": path])
            return false
        }
        DispatchQueue.global().async { [self] in
            for control in controls {
                do {
                    control.offerFile(try OutgoingFile.open(path))
                } catch {
                    notice("file_not_sent", "cannot send \(path): \(error)", ["path": path, "reason": "\(error)"])
                    return
                }
            }
        }
        return true
    }

    /// `/accept`: the oldest waiting offer is accepted. False when none waits.
    @discardableResult
    public func acceptFile() -> Bool {
        guard let (key, record, control) = takeWaiting() else {
            notice("help", "no file offer is waiting")
            return false
        }
        notice("file_accepted", "accepting \(record.name) (\(FileTransferLink.size(record.size)))",
               ["name": record.name, "size": record.size, "id": Int(key.id)], session: key.session)
        logFile("accepted \(describe(record)) from \(sessionName(key.session))")
        control.acceptFile(key.id)
        return true
    }

    /// `/decline [reason]`: the oldest waiting offer is declined; the peer is told `reason` (or "NAME declined").
    @discardableResult
    public func declineFile(reason: String?) -> Bool {
        guard let (key, record, control) = takeWaiting() else {
            notice("help", "no file offer is waiting")
            return false
        }
        state.withLock { _ = $0.files.records.removeValue(forKey: key) }
        let why = reason.flatMap { $0.isEmpty ? nil : $0 } ?? "\(localName) declined"
        notice("file_declined", "declined \(record.name)", ["name": record.name, "reason": why, "id": Int(key.id)], session: key.session)
        logFile("declined \(describe(record)) from \(sessionName(key.session)): \(why)")
        control.declineFile(key.id, reason: why)
        return true
    }

    /// `/cancel`: every transfer in progress stops and our open offers are withdrawn, in every session.
    public func cancelFiles() async -> Int {
        var count = 0
        for control in liveControls { count += await control.cancelFiles(reason: "\(localName) cancelled") }
        if count == 0 { notice("help", "no file is being sent or received") }
        return count
    }

    private func takeWaiting() -> (FileKey, FileRecord, any SessionControl)? {
        state.withLock { s -> (FileKey, FileRecord, any SessionControl)? in
            while !s.files.waiting.isEmpty {
                let key = s.files.waiting.removeFirst()
                guard let record = s.files.records[key], let control = s.controls[key.session] else { continue }
                return (key, record, control)
            }
            return nil
        }
    }

    func sessionName(_ id: Int) -> String { record(id)?.name ?? "?" }

    func describe(_ file: FileRecord) -> String {
        "\(file.name) (\(file.size) bytes, SHA256 \(file.sha256))"
    }

    /// A line in the requester's audit log (sharing side) or the expert's chat log (viewing side).
    func logFile(_ text: String) {
        if role == .sharing { journal.audit("file: \(text)") } else { journal.chatNote("file: \(text)") }
    }

    /// What a connection reports about its files.
    func fileEvent(_ control: any SessionControl, _ event: FileTransferEvent) {
        let session = session(for: control)
        let peer = sessionName(session)
        switch event {
        case .offered(let offer):
            let record = FileRecord(session: session, id: offer.id, direction: .receiving,
                                    name: PeerText.clean(offer.name, limit: PeerText.nameLimit), size: offer.size,
                                    sha256: offer.sha256Hex)
            let key = FileKey(session: session, id: offer.id, direction: .receiving)
            state.withLock { s in
                s.files.records[key] = record
                s.files.waiting.append(key)
            }
            let media = PeerText.clean(offer.mediaType, limit: 64)
            notice("file_offered",
                   "\(peer) offers \(record.name) (\(FileTransferLink.size(offer.size)), SHA256 \(String(record.sha256.prefix(16)))…): /accept or /decline",
                   ["from": peer, "name": record.name, "size": offer.size, "sha256": record.sha256, "media_type": media,
                    "id": Int(offer.id)], session: session)
            logFile("\(peer) offered \(describe(record))")
        case .refused(let offer, let reason):
            let name = PeerText.clean(offer.name, limit: PeerText.nameLimit)
            let why = PeerText.clean(reason)
            notice("file_refused", "\(peer) offered \(name) (\(FileTransferLink.size(offer.size))): declined without asking: \(why)",
                   ["from": peer, "name": name, "size": offer.size, "sha256": offer.sha256Hex, "reason": why, "id": Int(offer.id)],
                   session: session)
            logFile("declined \(name) (\(offer.size) bytes, SHA256 \(offer.sha256Hex)) from \(peer) without asking: \(why)")
        case .offerSent(let id, let rawName, let size, let sha256):
            let name = PeerText.clean(rawName, limit: PeerText.nameLimit)
            let hex = FileOfferText.hex(sha256)
            let record = FileRecord(session: session, id: id, direction: .sending, name: name, size: size, sha256: hex)
            state.withLock { $0.files.records[FileKey(session: session, id: id, direction: .sending)] = record }
            notice("file_offer_sent", "offered \(name) (\(FileTransferLink.size(size)), SHA256 \(String(hex.prefix(16)))…) to \(peer); waiting for them to accept",
                   ["to": peer, "name": name, "size": size, "sha256": hex, "id": Int(id)], session: session)
            logFile("offered \(describe(record)) to \(peer)")
        case .accepted(let id):
            guard let record = change(session, id, .sending, { $0.phase = .moving; $0.startedAt = Date() }) else { return }
            notice("file_accepted_by_peer", "\(peer) accepted \(record.name): sending", ["to": peer, "name": record.name, "id": Int(id)],
                   session: session)
            logFile("\(peer) accepted \(describe(record))")
        case .declined(let id, let reason):
            guard let record = remove(session, id, .sending) else { return }
            let why = PeerText.clean(reason)
            notice("file_declined_by_peer", "\(peer) declined \(record.name)\(why.isEmpty ? "" : ": \(why)")",
                   ["to": peer, "name": record.name, "reason": why, "id": Int(id)], session: session)
            logFile("\(peer) declined \(describe(record))\(why.isEmpty ? "" : ": \(why)")")
        case .progress(let direction, let id, let bytes, _):
            let now = Date()
            var due: FileRecord?
            _ = change(session, id, direction) { r in
                if r.startedAt == nil { r.startedAt = now }
                r.phase = .moving
                r.bytes = bytes
                if now.timeIntervalSince(r.lastNotice) >= Self.progressNoticeSeconds || bytes == r.size {
                    r.lastNotice = now
                    due = r
                }
            }
            if let due {
                notice("file_progress", "\(direction == .sending ? "sending" : "receiving") \(due.name): \(due.progressText(now: now))",
                       ["name": due.name, "bytes": bytes, "size": due.size, "direction": direction.rawValue, "id": Int(id)],
                       session: session)
            }
        case .delivered(let id):
            guard let record = remove(session, id, .sending) else { return }
            notice("file_delivered", "\(peer) received \(record.name) (\(FileTransferLink.size(record.size)), SHA256 checked)",
                   ["to": peer, "name": record.name, "size": record.size, "sha256": record.sha256, "id": Int(id)], session: session)
            logFile("sent \(describe(record)) to \(peer): received, SHA256 checked")
        case .saved(let id, let path):
            guard let record = remove(session, id, .receiving) else { return }
            let shown = PeerText.clean(path, limit: PeerText.reasonLimit)
            notice("file_saved", "received \(record.name) from \(peer) (\(FileTransferLink.size(record.size)), SHA256 checked): \(shown)",
                   ["from": peer, "name": record.name, "size": record.size, "sha256": record.sha256, "path": shown, "id": Int(id)],
                   session: session)
            logFile("received \(describe(record)) from \(peer), SHA256 checked, saved as \(shown)")
        case .cancelled(let direction, let id, let byPeer, let reason):
            guard let record = remove(session, id, direction) else { return }
            let why = PeerText.clean(reason)
            let who = byPeer ? peer : "you"
            notice("file_cancelled", "\(record.name) \(direction == .sending ? "to" : "from") \(peer) cancelled by \(who)\(why.isEmpty ? "" : ": \(why)")\(direction == .receiving ? "; nothing kept" : "")",
                   ["name": record.name, "direction": direction.rawValue, "by_peer": byPeer, "reason": why, "id": Int(id)], session: session)
            logFile("\(direction == .sending ? "sending" : "receiving") \(describe(record)) cancelled by \(who)\(why.isEmpty ? "" : ": \(why)")")
        case .failed(let direction, let id, let reason):
            let why = PeerText.clean(reason)
            guard let record = remove(session, id, direction) else {
                return notice("file_failed", "file not sent: \(why)", ["reason": why], session: session)
            }
            notice("file_failed", "\(record.name) \(direction == .sending ? "not sent" : "not received"): \(why)\(direction == .receiving ? "; nothing kept" : "")",
                   ["name": record.name, "direction": direction.rawValue, "reason": why, "id": Int(id)], session: session)
            logFile("\(direction == .sending ? "sending" : "receiving") \(describe(record)) failed: \(why)")
        }
    }

    /// A file could not be offered: the peer's program does not speak our file transfer.
    func filesUnsupported(_ control: any SessionControl, path: String) {
        let session = session(for: control)
        notice("file_not_sent", "\(sessionName(session))'s program cannot receive files: \(path) not offered",
               ["path": path], session: session)
    }

    private func change(_ session: Int, _ id: UInt32, _ direction: FileDirection, _ body: (inout FileRecord) -> Void) -> FileRecord? {
        state.withLock { s in
            let key = FileKey(session: session, id: id, direction: direction)
            guard var record = s.files.records[key] else { return nil }
            body(&record)
            s.files.records[key] = record
            return record
        }
    }

    private func remove(_ session: Int, _ id: UInt32, _ direction: FileDirection) -> FileRecord? {
        state.withLock { s in
            let key = FileKey(session: session, id: id, direction: direction)
            s.files.waiting.removeAll { $0 == key }
            return s.files.records.removeValue(forKey: key)
        }
    }

    /// A session closed: its files are gone from the records (the connection reported each one).
    func dropFiles(_ session: Int) {
        state.withLock { s in
            s.files.waiting.removeAll { $0.session == session }
            s.files.records = s.files.records.filter { $0.key.session != session }
        }
    }
}

enum FileOfferText {
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
