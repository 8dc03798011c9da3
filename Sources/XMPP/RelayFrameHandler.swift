public import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The relay framing on a bytestream channel (`RelayFrame`): put it first in the pipeline at both ends, under
/// TLS. Outbound bytes go out as data frames; once our writes have been idle for `idleDelay` after some
/// data, one filler frame of `fillerBytes` follows. Inbound frames are checked and only the data goes up;
/// a malformed frame fires `RelayFrameError` and closes the channel.
///
/// Why: Prosody 0.12's default epoll backend holds the tail of a burst its proxy65 relays. mod_proxy65 links
/// the two sockets with reads of 4096 bytes and pauses reading until the other side drains; LuaSocket
/// `recv`s up to 8192 bytes into its own buffer; `resume` only re-arms epoll for the kernel socket, so what
/// sits in LuaSocket's buffer (at most 8191 bytes) waits until more bytes arrive. We cannot configure
/// users' servers, but both ends of the relay are ours: after a burst the sender adds bytes that do not
/// belong to the stream. When they arrive the proxy reads on, and what it then holds is filler. 8192 bytes
/// of filler cover the largest tail LuaSocket can hold whatever the proxy's backlog; with a backlog in the
/// proxy (a big burst, a slow receiver) fewer are not enough (measured: 3, 64 and 4096 bytes all left
/// tails stalled). Each pause after sending costs one filler (see README, XMPP); a stream quiet for 4 s
/// sends one as a heartbeat (2 KiB/s while idle), and one from which nothing came for 14 s is closed as
/// timed out, since a relay does not pass on the far side's TCP state. Alternatives considered: acknowledgements from the receiver, with filler only where bytes are
/// missing (cheaper, but a stalled tail then waits at least a round trip longer, and the acknowledgements
/// cross the other direction's relay, where they can be held too), and TLS records padded to 8 KiB (our
/// TLS layer would have to know the relay, and it costs on every record, not every pause).
public final class RelayFrameHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// Filler that covers the largest tail Prosody's LuaSocket buffer can hold (8192 - 1 bytes).
    public static let defaultFillerBytes = 8192
    public static let defaultIdleDelay = TimeAmount.milliseconds(5)
    /// With nothing written for this long, a filler goes out anyway: the other end's sign of life.
    public static let defaultHeartbeat = TimeAmount.seconds(4)
    /// With nothing read for this long (three heartbeats missed), the stream is given up: the other
    /// side's network or the relay failed. A relay does not pass on the far side's TCP state, so without
    /// this a cut there would leave our side waiting for good.
    public static let defaultSilenceLimit = TimeAmount.seconds(14)

    private var decoder = RelayFrameDecoder()
    private var leftover: [UInt8]?
    private let idleDelay: TimeAmount
    private let filler: [UInt8]
    private var unpadded = false
    private var lastFlush = NIODeadline.uptimeNanoseconds(0)
    private var timer: Scheduled<Void>?
    private var failed = false
    private var fillerSent = 0
    private let heartbeat: TimeAmount
    private let silenceLimit: TimeAmount
    private var lastWrite = NIODeadline.uptimeNanoseconds(0)
    private var lastRead = NIODeadline.uptimeNanoseconds(0)
    private var liveness: RepeatedTask?

    /// `leftover`: bytes that arrived with the SOCKS5 reply (`SOCKS5Connector`), decoded and passed up
    /// before anything read later: by `RelayFraming.startReading(on:)`, or at the first `read()` or read
    /// bytes, whichever comes first.
    /// `heartbeat` and `silenceLimit`: see `defaultHeartbeat` and `defaultSilenceLimit`.
    public init(leftover: [UInt8] = [], idleDelay: TimeAmount = defaultIdleDelay, fillerBytes: Int = defaultFillerBytes,
                heartbeat: TimeAmount = defaultHeartbeat, silenceLimit: TimeAmount = defaultSilenceLimit) {
        self.leftover = leftover.isEmpty ? nil : leftover
        self.idleDelay = idleDelay
        self.heartbeat = heartbeat
        self.silenceLimit = silenceLimit
        filler = RelayFrame.filler(totalBytes: fillerBytes)
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startLiveness(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        startLiveness(context: context)
        context.fireChannelActive()
    }

    /// Every second: a heartbeat filler when we have written nothing for `heartbeat`, and the end of the
    /// stream when nothing came for `silenceLimit`. A full filler, so a proxy that holds a tail lets at
    /// least one byte of each heartbeat through.
    private func startLiveness(context: ChannelHandlerContext) {
        guard liveness == nil else { return }
        lastWrite = context.eventLoop.now
        lastRead = context.eventLoop.now
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        liveness = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            let (handler, context) = bound.value
            handler.checkLiveness(context: context)
        }
    }

    private func checkLiveness(context: ChannelHandlerContext) {
        guard !failed, context.channel.isActive else { return }
        let now = context.eventLoop.now
        if now - lastRead >= silenceLimit {
            failed = true
            liveness?.cancel()
            // What a TCP keepalive or user timeout reports, so the session says "stopped answering" as for
            // a direct connection whose network went away.
            context.fireErrorCaught(IOError(errnoCode: ETIMEDOUT,
                                            reason: "nothing came through the relay for \(silenceLimit.nanoseconds / 1_000_000_000) s"))
            context.close(promise: nil)
            return
        }
        if now - lastWrite >= heartbeat {
            lastWrite = now
            fillerSent += 1
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: filler)), promise: nil)
        }
    }

    /// How many filler frames this end has sent (for measurements).
    public var fillerFramesSent: Int { fillerSent }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = context.eventLoop.now
        deliverLeftover(context: context)
        decode(unwrapInboundIn(data), context: context)
    }

    /// Passes the leftover bytes up (once).
    func deliverLeftover(context: ChannelHandlerContext) {
        guard let bytes = leftover else { return }
        leftover = nil
        decode(context.channel.allocator.buffer(bytes: bytes), context: context)
    }

    private func decode(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        guard !failed else { return }
        let ranges: [Range<Int>]
        do {
            ranges = try buffer.withUnsafeReadableBytes { try decoder.dataRanges(in: $0) }
        } catch {
            failed = true
            context.fireErrorCaught(error)
            context.close(promise: nil)
            return
        }
        for r in ranges {
            if let slice = buffer.getSlice(at: buffer.readerIndex + r.lowerBound, length: r.count) {
                context.fireChannelRead(wrapInboundOut(slice))
            }
        }
    }

    public func read(context: ChannelHandlerContext) {
        if leftover != nil {
            deliverLeftover(context: context)
            context.fireChannelReadComplete()
        }
        context.read()
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var buffer = unwrapOutboundIn(data)
        guard buffer.readableBytes > 0 else { return context.write(data, promise: promise) }
        while buffer.readableBytes > 0 {
            let n = min(buffer.readableBytes, RelayFrame.maximumPayloadBytes)
            guard let chunk = buffer.readSlice(length: n) else { break }
            context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: RelayFrame.dataHeader(count: n))), promise: nil)
            context.write(wrapOutboundOut(chunk), promise: buffer.readableBytes == 0 ? promise : nil)
        }
        unpadded = true
        lastWrite = context.eventLoop.now
    }

    public func flush(context: ChannelHandlerContext) {
        context.flush()
        guard unpadded else { return }
        lastFlush = context.eventLoop.now
        if timer == nil { schedule(after: idleDelay, context: context) }
    }

    private func schedule(after delay: TimeAmount, context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = bound.value
            handler.idle(context: context)
        }
    }

    private func idle(context: ChannelHandlerContext) {
        timer = nil
        guard unpadded, !failed, context.channel.isActive else { return }
        let quiet = context.eventLoop.now - lastFlush
        if quiet < idleDelay { return schedule(after: idleDelay - quiet, context: context) }
        unpadded = false
        fillerSent += 1
        lastWrite = context.eventLoop.now
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: filler)), promise: nil)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        liveness?.cancel()
        liveness = nil
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        liveness?.cancel()
        liveness = nil
    }
}

public enum RelayFraming {
    /// Puts a `RelayFrameHandler` first in `channel`'s pipeline (a bytestream from `openBytestream` or
    /// `acceptBytestream`, with its leftover bytes). Add TLS and the rest after it, then call
    /// `startReading(on:)`.
    public static func install(on channel: any Channel, leftover: [UInt8], idleDelay: TimeAmount = RelayFrameHandler.defaultIdleDelay,
                               fillerBytes: Int = RelayFrameHandler.defaultFillerBytes) async throws {
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                RelayFrameHandler(leftover: leftover, idleDelay: idleDelay, fillerBytes: fillerBytes), position: .first)
        }.get()
    }

    /// Passes the leftover bytes up, then turns autoRead on (setting autoRead alone reads the socket
    /// first, so leftover bytes would come after newer ones, or not at all while nothing new arrives).
    public static func startReading(on channel: any Channel) async throws {
        try await channel.eventLoop.submit {
            let context = try channel.pipeline.syncOperations.context(handlerType: RelayFrameHandler.self)
            if let handler = context.handler as? RelayFrameHandler {
                handler.deliverLeftover(context: context)
                context.fireChannelReadComplete()
            }
            try channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
        }.get()
    }
}
