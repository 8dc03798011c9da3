public import NIOCore

/// The file transfers of one connection, both directions, as a pure state machine: checks every
/// file-transfer message from the peer against what was offered, accepted and acknowledged (throwing
/// `RFBError` for anything the rules of `codecs/file-transfer.md` forbid: the connection must then close),
/// and makes the messages for what the person decides. No I/O: the adapter reads and writes the files.
public struct FileTransferBook: Sendable {
    /// The most file bytes an offerer may have sent beyond the receiver's last Ack (enforced).
    public static let window: Int64 = 1 << 20
    /// Our receiver acknowledges after this many new bytes (the rules require at most `window / 4`).
    public static let ackInterval: Int64 = 128 << 10
    /// Offers open at once in each direction (offered and not yet finished); one more is a violation.
    public static let maxOpenOffers = 8

    enum Outgoing: Sendable, Equatable {
        case offered
        /// Accepted: `sent` bytes written, `acked` acknowledged.
        case sending(sent: Int64, acked: Int64)
        /// Done was sent: waiting for Received or Abort.
        case finished(acked: Int64)
    }

    enum IncomingState: Sendable, Equatable {
        case offered
        case receiving
        /// We aborted it: data still in flight is read and dropped until the offerer's Cancel or Done.
        case draining
        /// Done arrived with the right size: the adapter checks the hash and stores it.
        case checking
    }

    struct Incoming: Sendable {
        var offer: FileOffer
        var state: IncomingState
        var received: Int64 = 0
        var lastAck: Int64 = 0
    }

    public enum Event: Hashable, Sendable {
        /// The peer offers a file: `accept` or `decline` it.
        case offered(FileOffer)
        /// The peer accepted our offer: data may flow (`nextChunk`).
        case accepted(id: UInt32)
        case declined(id: UInt32, reason: String)
        /// Bytes of an accepted file, in order, starting at `offset`; `ack` is to be sent now when set.
        case data(id: UInt32, offset: Int64, bytes: ByteBuffer, ack: FileTransfer?)
        /// Every byte of the file is in (the size matched): check the SHA-256, store it, then call
        /// `stored` (or `abort` when storing failed).
        case finished(id: UInt32)
        /// The offerer withdrew an offer or stopped sending.
        case cancelled(id: UInt32, reason: String)
        /// The receiver stopped our transfer; `reply` (a Cancel ending the data) is to be sent when set.
        case aborted(id: UInt32, reason: String, reply: FileTransfer?)
        /// The receiver has this many bytes of our file.
        case acknowledged(id: UInt32, received: Int64)
        /// Our file arrived whole and was stored.
        case delivered(id: UInt32)
        /// Nothing to do: data of a transfer we aborted, or a late answer to one we cancelled.
        case ignored
    }

    var outgoing: [UInt32: Outgoing] = [:]
    var outgoingSizes: [UInt32: Int64] = [:]
    var lastOutgoingID: UInt32 = 0
    var incoming: [UInt32: Incoming] = [:]
    var lastIncomingID: UInt32 = 0

    public init() {}

    /// Offers and transfers still open in either direction.
    public var isIdle: Bool { outgoing.isEmpty && incoming.isEmpty }
    public var openOutgoing: Int { outgoing.count }

    /// An incoming offer still waiting for our answer.
    public func pendingOffer(_ id: UInt32) -> FileOffer? {
        guard let entry = incoming[id], entry.state == .offered else { return nil }
        return entry.offer
    }

    // MARK: - What we do

    /// Our offer of a file: the message to send. Throws when `maxOpenOffers` are open already.
    public mutating func offer(name: String, size: Int64, sha256: [UInt8], mediaType: String = "") throws -> FileTransfer {
        guard outgoing.count < Self.maxOpenOffers else {
            throw RFBError.invalidArgument("\(Self.maxOpenOffers) files are offered or being sent already")
        }
        guard lastOutgoingID < UInt32.max else { throw RFBError.invalidArgument("no transfer ids left on this connection") }
        let id = lastOutgoingID + 1
        let message = FileTransfer.offer(FileOffer(id: id, name: name, size: size, sha256: sha256, mediaType: mediaType))
        _ = try message.serialized()   // checks name, media type, size and hash against the wire's limits
        lastOutgoingID = id
        outgoing[id] = .offered
        outgoingSizes[id] = size
        return message
    }

    /// Accepts an incoming offer; nil when it is not waiting for an answer.
    public mutating func accept(_ id: UInt32) -> FileTransfer? {
        guard incoming[id]?.state == .offered else { return nil }
        incoming[id]?.state = .receiving
        return .accept(id: id)
    }

    /// Declines an incoming offer; nil when it is not waiting for an answer.
    public mutating func decline(_ id: UInt32, reason: String) -> FileTransfer? {
        guard incoming[id]?.state == .offered else { return nil }
        incoming[id] = nil
        return .decline(id: id, reason: Self.fit(reason))
    }

    /// Stops receiving an accepted file (the person cancelled, the disk is full, the hash check or the
    /// storing failed); nil when there is nothing to stop. Declines it when it was only offered.
    public mutating func abort(_ id: UInt32, reason: String) -> FileTransfer? {
        guard let entry = incoming[id] else { return nil }
        switch entry.state {
        case .offered: return decline(id, reason: reason)
        case .receiving: incoming[id]?.state = .draining
        case .checking: incoming[id] = nil
        case .draining: return nil
        }
        return .abort(id: id, reason: Self.fit(reason))
    }

    /// The received file is stored: the Received message.
    public mutating func stored(_ id: UInt32) -> FileTransfer? {
        guard incoming[id]?.state == .checking else { return nil }
        incoming[id] = nil
        return .received(id: id)
    }

    /// Withdraws our offer or stops sending; nil when it cannot be cancelled any more (unknown, or Done sent).
    public mutating func cancel(_ id: UInt32, reason: String) -> FileTransfer? {
        switch outgoing[id] {
        case .offered?, .sending?:
            outgoing[id] = nil
            outgoingSizes[id] = nil
            return .cancel(id: id, reason: Self.fit(reason))
        default:
            return nil
        }
    }

    /// The next chunk to send of our accepted files (oldest first): at most `limit` bytes and what the
    /// flow-control window (`sendWindow` bytes unacknowledged) allows. Nil: nothing may be sent now.
    public func nextChunk(limit: Int, sendWindow: Int64) -> (id: UInt32, offset: Int64, count: Int)? {
        for id in outgoing.keys.sorted() {
            guard case .sending(let sent, let acked)? = outgoing[id], let size = outgoingSizes[id], sent < size else { continue }
            let credit = min(sendWindow, Self.window) - (sent - acked)
            let count = min(Int64(min(limit, RFBLimits.maxFileChunkLength)), size - sent, credit)
            return count > 0 ? (id, sent, Int(count)) : nil
        }
        return nil
    }

    /// Records a chunk handed to the connection.
    public mutating func chunkSent(_ id: UInt32, count: Int) {
        guard case .sending(let sent, let acked)? = outgoing[id] else { return }
        outgoing[id] = .sending(sent: sent + Int64(count), acked: acked)
    }

    /// Our accepted files whose every byte was sent: send Done for each (`markDone`).
    public var completeOutgoing: [UInt32] {
        outgoing.keys.sorted().filter { id in
            if case .sending(let sent, _)? = outgoing[id], sent == outgoingSizes[id] { return true }
            return false
        }
    }

    /// Done for a file whose every byte was sent.
    public mutating func markDone(_ id: UInt32) -> FileTransfer? {
        guard case .sending(let sent, let acked)? = outgoing[id], sent == outgoingSizes[id] else { return nil }
        outgoing[id] = .finished(acked: acked)
        return .done(id: id)
    }

    static func fit(_ reason: String) -> String {
        var text = reason
        while text.utf8.count > RFBLimits.maxFileReasonLength { text.removeLast() }
        return text
    }

    // MARK: - What the peer sends

    /// Checks one message from the peer; throws `RFBError.unexpected` for anything the rules forbid.
    public mutating func receive(_ message: FileTransfer) throws -> Event {
        switch message {
        case .offer(let offer):
            guard offer.id > lastIncomingID else {
                throw RFBError.unexpected("file offer \(offer.id) does not follow offer \(lastIncomingID)")
            }
            guard incoming.count < Self.maxOpenOffers else {
                throw RFBError.unexpected("more than \(Self.maxOpenOffers) file offers open at once")
            }
            lastIncomingID = offer.id
            incoming[offer.id] = Incoming(offer: offer, state: .offered)
            return .offered(offer)
        case .data(let id, let bytes):
            guard var entry = incoming[id] else { throw unknown("data", id, lastIncomingID) }
            guard entry.state == .receiving || entry.state == .draining else {
                throw RFBError.unexpected("file data for transfer \(id) that was \(entry.state == .offered ? "not accepted" : "already done")")
            }
            let count = Int64(bytes.readableBytes)
            guard entry.received + count <= entry.offer.size else {
                throw RFBError.unexpected("file data past the offered size of transfer \(id) (\(entry.received + count) of \(entry.offer.size) bytes)")
            }
            guard entry.received + count - entry.lastAck <= Self.window else {
                throw RFBError.unexpected("file data beyond the flow-control window of transfer \(id)")
            }
            let offset = entry.received
            entry.received += count
            var ack: FileTransfer?
            if entry.state == .receiving, entry.received < entry.offer.size, entry.received - entry.lastAck >= Self.ackInterval {
                entry.lastAck = entry.received
                ack = .ack(id: id, received: UInt64(entry.received))
            }
            incoming[id] = entry
            // Data of a transfer we aborted is dropped (the offerer stops when it reads our Abort).
            return entry.state == .draining ? .ignored : .data(id: id, offset: offset, bytes: bytes, ack: ack)
        case .done(let id):
            guard let entry = incoming[id] else { throw unknown("Done", id, lastIncomingID) }
            switch entry.state {
            case .draining:
                incoming[id] = nil
                return .ignored
            case .receiving:
                guard entry.received == entry.offer.size else {
                    throw RFBError.unexpected("transfer \(id) ended after \(entry.received) of the \(entry.offer.size) bytes offered")
                }
                incoming[id]?.state = .checking
                return .finished(id: id)
            case .offered, .checking:
                throw RFBError.unexpected("file Done for transfer \(id) that was \(entry.state == .offered ? "not accepted" : "already done")")
            }
        case .cancel(let id, let reason):
            guard let entry = incoming[id] else {
                // A late Cancel crossing our Decline is fine; one for an id never offered is not.
                guard id <= lastIncomingID else { throw unknown("Cancel", id, lastIncomingID) }
                return .ignored
            }
            guard entry.state != .checking else { throw RFBError.unexpected("file Cancel for transfer \(id) after its Done") }
            incoming[id] = nil
            return entry.state == .draining ? .ignored : .cancelled(id: id, reason: reason)
        case .accept(let id):
            switch outgoing[id] {
            case .offered?:
                outgoing[id] = .sending(sent: 0, acked: 0)
                return .accepted(id: id)
            case .some:
                throw RFBError.unexpected("file transfer \(id) accepted twice")
            case nil:
                guard id <= lastOutgoingID else { throw unknown("Accept", id, lastOutgoingID) }
                return .ignored
            }
        case .decline(let id, let reason):
            switch outgoing[id] {
            case .offered?:
                outgoing[id] = nil
                outgoingSizes[id] = nil
                return .declined(id: id, reason: reason)
            case .some:
                throw RFBError.unexpected("file transfer \(id) declined after it was accepted")
            case nil:
                guard id <= lastOutgoingID else { throw unknown("Decline", id, lastOutgoingID) }
                return .ignored
            }
        case .abort(let id, let reason):
            guard let state = outgoing[id] else {
                guard id <= lastOutgoingID else { throw unknown("Abort", id, lastOutgoingID) }
                return .ignored
            }
            outgoing[id] = nil
            outgoingSizes[id] = nil
            switch state {
            case .offered: return .declined(id: id, reason: reason)
            case .sending: return .aborted(id: id, reason: reason, reply: .cancel(id: id, reason: "stopped"))
            case .finished: return .aborted(id: id, reason: reason, reply: nil)
            }
        case .ack(let id, let received):
            let count = Int64(received)
            switch outgoing[id] {
            case .sending(let sent, let acked)?:
                guard count >= acked, count <= sent else {
                    throw RFBError.unexpected("file acknowledgement of \(count) bytes of transfer \(id) (\(acked)...\(sent) possible)")
                }
                outgoing[id] = .sending(sent: sent, acked: count)
                return .acknowledged(id: id, received: count)
            case .finished(let acked)?:
                guard count >= acked, count <= outgoingSizes[id] ?? 0 else {
                    throw RFBError.unexpected("file acknowledgement of \(count) bytes of transfer \(id)")
                }
                outgoing[id] = .finished(acked: count)
                return .acknowledged(id: id, received: count)
            case .offered?:
                throw RFBError.unexpected("file acknowledgement for transfer \(id) that was not accepted")
            case nil:
                guard id <= lastOutgoingID else { throw unknown("Ack", id, lastOutgoingID) }
                return .ignored
            }
        case .received(let id):
            switch outgoing[id] {
            case .finished?:
                outgoing[id] = nil
                outgoingSizes[id] = nil
                return .delivered(id: id)
            case .some:
                throw RFBError.unexpected("file transfer \(id) reported received before it was done")
            case nil:
                guard id <= lastOutgoingID else { throw unknown("Received", id, lastOutgoingID) }
                return .ignored
            }
        }
    }

    func unknown(_ what: String, _ id: UInt32, _ last: UInt32) -> RFBError {
        .unexpected("file \(what) for unknown transfer \(id)\(id <= last ? " (closed)" : "")")
    }
}
