import Crypto
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import NIOCore
public import RFBProtocol

/// Where files from the peer go, and how large they may be.
public struct FileReceiving: Sendable {
    /// The largest file accepted unless `--max-file-size` says otherwise: 1 GiB.
    public static let defaultMaxFileSize: Int64 = 1 << 30
    /// The downloads folder; nil: every offer is declined. It is made (0700) and checked (a folder of
    /// ours that no one else can write to, `PrivateFolder`) when a file is accepted, not before.
    public var folder: String?
    public var maxFileSize: Int64

    public init(folder: String?, maxFileSize: Int64 = FileReceiving.defaultMaxFileSize) {
        self.folder = folder
        self.maxFileSize = maxFileSize
    }
}

/// Which way a file goes, seen from here.
public enum FileDirection: String, Sendable, Equatable {
    case sending
    case receiving
}

/// What happens to files on one connection. Names, media types and reasons are the peer's raw words:
/// clean them before showing them.
public enum FileTransferEvent: Sendable, Equatable {
    /// The peer offers a file: the person accepts or declines it.
    case offered(FileOffer)
    /// An offer was declined without asking (too large, not enough space, no downloads folder).
    case refused(FileOffer, reason: String)
    /// Our offer went out.
    case offerSent(id: UInt32, name: String, size: Int64, sha256: [UInt8])
    /// The peer accepted our offer.
    case accepted(id: UInt32)
    case declined(id: UInt32, reason: String)
    /// Bytes moved so far (at most a few times a second per transfer, and at the end).
    case progress(FileDirection, id: UInt32, bytes: Int64, size: Int64)
    /// Our file arrived whole at the peer, hash checked.
    case delivered(id: UInt32)
    /// The peer's file is stored at `path` (hash checked).
    case saved(id: UInt32, path: String)
    /// Stopped by the peer (`byPeer`) or here.
    case cancelled(FileDirection, id: UInt32, byPeer: Bool, reason: String)
    /// Stopped by a failure here (disk full, the file changed while being sent, the session ended).
    case failed(FileDirection, id: UInt32, reason: String)
}

/// The files of one connection, on its event loop: checks the peer's file-transfer messages
/// (`FileTransferBook`), writes what it sends into private temporary files that get their name only
/// once the hash matched, and sends our accepted files in chunks, only when the connection says it can
/// take one (writable, no picture waiting) and within the flow-control window.
public final class FileTransferLink {
    /// Chunk size we send.
    public static let chunkSize = 64 * 1024
    /// File bytes we keep unacknowledged at most (the rules allow `FileTransferBook.window`).
    public static let sendWindow: Int64 = 512 * 1024
    /// Progress events per transfer: at most one per this many nanoseconds.
    static let progressInterval: Int64 = 250_000_000

    public private(set) var book = FileTransferBook()
    let receiving: FileReceiving
    let loop: any EventLoop
    let events: (FileTransferEvent) -> Void
    /// Writes one message (not flushed); the caller flushes after `handle` / `pump`.
    let write: (ByteBuffer) -> Void
    let flush: () -> Void
    /// Whether a chunk may be written now.
    let canSend: () -> Bool

    struct Sending {
        var file: OutgoingFile
        var hasher = SHA256()
        var lastProgress: Int64 = 0
    }

    struct Receiving {
        var offer: FileOffer
        var file: IncomingFile
        var lastProgress: Int64 = 0
    }

    var sending: [UInt32: Sending] = [:]
    var incoming: [UInt32: Receiving] = [:]
    /// Received files being flushed and named (off the event loop).
    var storing: Set<UInt32> = []
    var closed = false

    public init(receiving: FileReceiving, loop: any EventLoop, events: @escaping (FileTransferEvent) -> Void,
                write: @escaping (ByteBuffer) -> Void, flush: @escaping () -> Void, canSend: @escaping () -> Bool) {
        self.receiving = receiving
        self.loop = loop
        self.events = events
        self.write = write
        self.flush = flush
        self.canSend = canSend
    }

    /// A link that writes to whatever `context` returns (a session handler's current context; nil once it
    /// is removed), so both ends of a session set it up the same way.
    public convenience init(receiving: FileReceiving, context: ChannelHandlerContext, events: @escaping (FileTransferEvent) -> Void,
                            current: @escaping () -> ChannelHandlerContext?, canSend: @escaping () -> Bool) {
        self.init(receiving: receiving, loop: context.eventLoop, events: events,
                  write: { bytes in current()?.write(NIOAny(bytes), promise: nil) },
                  flush: { current()?.flush() },
                  canSend: { canSend() && (current()?.channel.isWritable ?? false) })
    }

    func send(_ message: FileTransfer) {
        guard let bytes = try? message.serialized() else { return }
        write(bytes)
    }

    // MARK: - What the person does

    /// Offers `file` when `ready` (the peer confirmed file transfer and the session goes on); an offer
    /// that cannot be made is reported as a `.failed` event. False, with the file closed, when not
    /// ready: the caller tells the person the other side cannot receive files.
    public func offer(_ file: OutgoingFile, ifReady ready: Bool) -> Bool {
        guard ready else {
            file.close()
            return false
        }
        do { try offer(file) } catch { events(.failed(.sending, id: 0, reason: "\(error)")) }
        return true
    }

    /// Offers a file (its descriptor is ours from now on). Throws when too many offers are open.
    public func offer(_ file: OutgoingFile) throws {
        guard !closed else {
            file.close()
            throw FileAccessError(path: file.path, reason: "the session has ended")
        }
        let message: FileTransfer
        do {
            message = try book.offer(name: file.name, size: file.size, sha256: file.sha256, mediaType: file.mediaType)
        } catch {
            file.close()
            throw error
        }
        sending[message.id] = Sending(file: file)
        send(message)
        flush()
        events(.offerSent(id: message.id, name: file.name, size: file.size, sha256: file.sha256))
    }

    /// Accepts the peer's offer `id`: the temporary file is made now (the free space checked again).
    public func accept(_ id: UInt32) {
        guard let offer = book.pendingOffer(id) else { return }
        if let reason = refusal(offer) { return decline(id, reason: reason, automatic: true) }
        guard let path = receiving.folder else { return }
        do {
            let folder = try PrivateFolder.prepare(path, purpose: "the downloads folder")
            let file = try IncomingFile.create(in: folder, offeredName: offer.name)
            guard let message = book.accept(id) else { return file.discard() }
            incoming[id] = Receiving(offer: offer, file: file)
            send(message)
            flush()
        } catch {
            // The peer hears that it cannot be stored; only the person here sees where and why.
            decline(id, reason: "the file cannot be stored", automatic: true, localReason: "the file cannot be received: \(error)")
        }
    }

    /// Declines the peer's offer `id` with `reason` (for the peer).
    public func decline(_ id: UInt32, reason: String, automatic: Bool = false, localReason: String? = nil) {
        guard let offer = book.pendingOffer(id), let message = book.decline(id, reason: reason) else { return }
        send(message)
        flush()
        if automatic { events(.refused(offer, reason: localReason ?? reason)) }
    }

    /// Stops every transfer in progress and withdraws our open offers (`/cancel`); the peer's offers not
    /// answered yet stay. Returns how many were stopped.
    @discardableResult
    public func cancelAll(reason: String) -> Int {
        var count = 0
        for id in sending.keys.sorted() {
            guard let message = book.cancel(id, reason: reason) else { continue }
            send(message)
            sending.removeValue(forKey: id)?.file.close()
            events(.cancelled(.sending, id: id, byPeer: false, reason: reason))
            count += 1
        }
        for id in incoming.keys.sorted() {
            guard let message = book.abort(id, reason: reason) else { continue }
            send(message)
            incoming.removeValue(forKey: id)?.file.discard()
            events(.cancelled(.receiving, id: id, byPeer: false, reason: reason))
            count += 1
        }
        flush()
        return count
    }

    /// The connection ended: nothing half-received is kept, every descriptor is closed.
    public func close(reason: String) {
        guard !closed else { return }
        closed = true
        for (id, s) in sending.sorted(by: { $0.key < $1.key }) {
            s.file.close()
            events(.failed(.sending, id: id, reason: reason))
        }
        for (id, r) in incoming.sorted(by: { $0.key < $1.key }) {
            r.file.discard()
            events(.failed(.receiving, id: id, reason: reason))
        }
        sending = [:]
        incoming = [:]
    }

    /// Why an offer cannot be taken, or nil.
    func refusal(_ offer: FileOffer) -> String? {
        guard let folder = receiving.folder else { return "files cannot be received here" }
        if offer.size > receiving.maxFileSize {
            return "the file is \(Self.size(offer.size)), larger than the limit of \(Self.size(receiving.maxFileSize))"
        }
        if let free = IncomingFile.freeSpace(in: folder), free < offer.size {
            return "not enough free space for \(Self.size(offer.size)) (\(Self.size(free)) free)"
        }
        return nil
    }

    // MARK: - What the peer sends

    /// One file-transfer message from the peer. Throws (with the reason to close with) for a lie or a
    /// broken rule; the caller then ends the session and calls `close`.
    public func handle(_ message: FileTransfer) throws {
        guard !closed else { return }
        switch try book.receive(message) {
        case .offered(let offer):
            if let reason = refusal(offer) {
                decline(offer.id, reason: reason, automatic: true)
            } else {
                events(.offered(offer))
            }
        case .accepted(let id):
            events(.accepted(id: id))
            pump()
        case .declined(let id, let reason):
            sending.removeValue(forKey: id)?.file.close()
            events(.declined(id: id, reason: reason))
        case .data(let id, _, let bytes, let ack):
            guard var r = incoming[id] else { return }
            do {
                try r.file.append(bytes)
            } catch {
                // Disk full, I/O error: this transfer stops, the session goes on.
                if let abort = book.abort(id, reason: "the file could not be written (\(Self.reasonText(error)))") { send(abort) }
                incoming.removeValue(forKey: id)?.file.discard()
                flush()
                events(.failed(.receiving, id: id, reason: "could not be written: \(error)"))
                return
            }
            if let ack { send(ack) }
            let now = NIODeadline.now().uptimeNanoseconds
            if Int64(now) - r.lastProgress >= Self.progressInterval {
                r.lastProgress = Int64(now)
                events(.progress(.receiving, id: id, bytes: r.file.written, size: r.offer.size))
            }
            incoming[id] = r
        case .finished(let id):
            guard let r = incoming[id] else { return }
            guard r.file.digest() == r.offer.sha256 else {
                incoming.removeValue(forKey: id)?.file.discard()
                throw RFBError.unexpected("the other side lied about the hash of \"\(r.offer.name)\" (transfer \(id)): the SHA-256 of the bytes sent differs from the one offered")
            }
            events(.progress(.receiving, id: id, bytes: r.file.written, size: r.offer.size))
            incoming[id] = nil
            store(id, r.file)
        case .cancelled(let id, let reason):
            incoming.removeValue(forKey: id)?.file.discard()
            events(.cancelled(.receiving, id: id, byPeer: true, reason: reason))
        case .aborted(let id, let reason, let reply):
            if let reply { send(reply) }
            sending.removeValue(forKey: id)?.file.close()
            events(.cancelled(.sending, id: id, byPeer: true, reason: reason))
        case .acknowledged:
            pump()
        case .delivered(let id):
            sending.removeValue(forKey: id)?.file.close()
            events(.delivered(id: id))
        case .ignored:
            break
        }
    }

    /// Flushes and names the finished file off the event loop (fsync may take a while), then says so.
    func store(_ id: UInt32, _ file: IncomingFile) {
        let finished = file.finish()
        storing.insert(id)
        let loop = self.loop
        let me = NIOLoopBound(self, eventLoop: loop)
        DispatchQueue.global().async {
            let result = Result { try finished.commit() }
            loop.execute {
                let link = me.value
                guard link.storing.remove(id) != nil, !link.closed else {
                    // The session ended meanwhile: nothing is kept.
                    if case .success(let path) = result { unlink(path) } else { finished.discard() }
                    return
                }
                switch result {
                case .success(let path):
                    if let received = link.book.stored(id) { link.send(received) }
                    link.flush()
                    link.events(.saved(id: id, path: path))
                case .failure(let error):
                    finished.discard()
                    if let abort = link.book.abort(id, reason: "the file could not be stored (\(Self.reasonText(error)))") { link.send(abort) }
                    link.flush()
                    link.events(.failed(.receiving, id: id, reason: "could not be stored: \(error)"))
                }
            }
        }
    }

    // MARK: - Sending

    /// Sends chunks of our accepted files while the connection can take them and the window allows,
    /// then Done for each file whose last byte went out. Call it whenever one of those may have changed
    /// (accepted, acknowledged, writable again, a picture written).
    public func pump() {
        guard !closed else { return }
        var wrote = false
        while canSend(), let chunk = book.nextChunk(limit: Self.chunkSize, sendWindow: Self.sendWindow),
              var s = sending[chunk.id] {
            var buffer = ByteBufferAllocator().buffer(capacity: chunk.count)
            let fd = s.file.descriptor
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: chunk.count) { raw -> Int in
                var done = 0
                while done < chunk.count {
                    guard let base = raw.baseAddress else { return done }
                    let r = pread(fd, base + done, chunk.count - done, off_t(chunk.offset) + off_t(done))
                    if r < 0 && errno == EINTR { continue }
                    if r <= 0 { break }
                    done += r
                }
                return done
            }
            guard n == chunk.count else {
                stopSending(chunk.id, reason: "the file changed while being sent")
                wrote = true
                continue
            }
            buffer.withUnsafeReadableBytes { s.hasher.update(bufferPointer: $0) }
            book.chunkSent(chunk.id, count: n)
            send(.data(id: chunk.id, bytes: buffer))
            wrote = true
            let now = Int64(NIODeadline.now().uptimeNanoseconds)
            if now - s.lastProgress >= Self.progressInterval {
                s.lastProgress = now
                events(.progress(.sending, id: chunk.id, bytes: chunk.offset + Int64(n), size: s.file.size))
            }
            sending[chunk.id] = s
        }
        for id in book.completeOutgoing {
            guard let s = sending[id] else { continue }
            guard Array(s.hasher.finalize()) == s.file.sha256 else {
                stopSending(id, reason: "the file changed while being sent")
                wrote = true
                continue
            }
            if let done = book.markDone(id) {
                send(done)
                wrote = true
                events(.progress(.sending, id: id, bytes: s.file.size, size: s.file.size))
            }
        }
        if wrote { flush() }
    }

    func stopSending(_ id: UInt32, reason: String) {
        if let cancel = book.cancel(id, reason: reason) { send(cancel) }
        sending.removeValue(forKey: id)?.file.close()
        events(.failed(.sending, id: id, reason: reason))
    }

    static func reasonText(_ error: any Error) -> String {
        (error as? FileAccessError)?.reason ?? "\(error)"
    }

    /// "1.2 MB", "512 bytes".
    public static func size(_ bytes: Int64) -> String {
        if bytes < 1000 { return "\(bytes) byte\(bytes == 1 ? "" : "s")" }
        let units = ["kB", "MB", "GB", "TB"]
        var value = Double(bytes) / 1000
        var unit = 0
        while value >= 999.95, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)) \(units[unit])" : "\(rounded) \(units[unit])"
    }
}
