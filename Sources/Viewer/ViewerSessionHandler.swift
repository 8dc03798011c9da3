import NIOCore
import Pixels
import RFBProtocol
import RFBTransport

/// The viewer end of one connection: runs the RFB handshake (VeNCrypt TLS upgrade, pinned agent
/// certificate), then reads updates, rebuilds the desktop, hands frames to the snapshot writer and
/// asks for the next update. Lives on the channel's event loop.
final class ViewerSessionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let configuration: ViewerConfiguration
    private var handshake: ClientHandshake
    private var session: ClientSession?
    private var assembler: FrameAssembler?
    private var cumulation = ByteBuffer()
    private var context: ChannelHandlerContext?
    private var awaitingTLS = false
    private var ended = false
    private var frames = 0
    private var handshakeTimer: Scheduled<Void>?
    /// Set when the end is known (refusal, SessionEnd, local end) so the close is reported with it.
    private var endReason: (byAgent: Bool, reason: String)?
    /// A local end is under way (the first reason given wins).
    private var ending = false
    /// FramebufferUpdateRequests sent and FramebufferUpdates ended (never counted past the requests, as
    /// an agent may send updates unasked): at most one request is outstanding, so an agent that floods
    /// updates gets at most one request per read, not one per update.
    private var requestsSent = 0
    private var updatesEnded = 0
    /// The next request must be non-incremental (the framebuffer was resized: its contents are gone).
    private var needsFullUpdate = false
    /// The files of this session (made when the session starts; usable once the agent confirmed them).
    private var files: FileTransferLink?

    init(configuration: ViewerConfiguration) {
        self.configuration = configuration
        let plain = configuration.password.map { PlainCredentials(username: "", password: $0) }
        handshake = ClientHandshake(configuration: ClientHandshakeConfiguration(
            allowNone: configuration.allowNone, hasIdentity: configuration.tls != nil && configuration.password == nil,
            plainCredentials: plain, shared: true))
    }

    var framebuffer: Framebuffer? { assembler?.framebuffer }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    /// The context holds this handler: keeping it after removal would keep both (and the whole
    /// connection's state) in memory for good.
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelActive(context: ChannelHandlerContext) {
        configuration.events(.connected(remoteAddress: AddressText.describe(context.channel.remoteAddress)))
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        handshakeTimer = context.eventLoop.scheduleTask(in: configuration.handshakeTimeout) {
            bound.value.finish(byAgent: true, reason: "the other side did not finish the handshake in time")
        }
        perform(handshake.start())
        context.fireChannelActive()
    }

    private(set) var bytesReceived = 0
    var statistics: SessionStatistics { SessionStatistics(updates: frames, bytes: bytesReceived) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        bytesReceived += bytes.readableBytes
        cumulation.writeBuffer(&bytes)
        process()
    }

    /// An agent that stops reading makes the connection unwritable: stop reading its updates too, so that
    /// our replies (requests, fence answers) cannot pile up in memory.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // Switching autoRead back on reads again at once.
        context.channel.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenFailure { _ in }
        if context.channel.isWritable { files?.pump() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        let reason = endReason ?? (true, session == nil ? "the other side closed the connection during the handshake"
                                                        : "the other side closed the connection")
        finish(byAgent: reason.byAgent, reason: reason.reason)
        // The link's closures hold this handler: let go of it, or neither is ever freed.
        files = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if endReason == nil { endReason = (true, ConnectionErrorText.describe(error)) }
        context.close(promise: nil)
    }

    // MARK: - Bytes in

    private func process() {
        guard !ended, !awaitingTLS else { return }
        do {
            if session != nil {
                try readSession()
            } else {
                perform(try handshake.receive(&cumulation))
                if session != nil && cumulation.readableBytes > 0 { try readSession() }
            }
            cumulation.discardReadBytes()
        } catch {
            endReason = (true, "protocol error: \(error)")
            context?.close(promise: nil)
        }
    }

    private func perform(_ actions: [ClientHandshake.Action]) {
        guard let context else { return }
        for action in actions {
            switch action {
            case .send(let bytes):
                context.write(wrapOutboundOut(bytes), promise: nil)
            case .startTLS:
                context.flush()
                startTLS(context)
            case .completed(let result):
                handshakeTimer?.cancel()
                do { try begin(result, context) } catch {
                    endReason = (false, "cannot start the session: \(error)")
                    context.close(promise: nil)
                }
            case .fail(let reason):
                configuration.events(.refused(reason))
                endReason = (true, reason)
                context.flush()
                context.close(promise: nil)
            }
        }
        context.flush()
    }

    private func startTLS(_ context: ChannelHandlerContext) {
        guard let tls = configuration.tls else {
            endReason = (false, "the agent wants TLS but no trust is configured")
            context.close(promise: nil)
            return
        }
        do {
            let handlers = try tls.makeHandlers(on: context.eventLoop)
            // Right below this handler, not at the front: anything between the socket and us (the XMPP
            // relay's framing) stays under TLS, so TLS's own bytes are framed too.
            try handlers.add(to: context.pipeline.syncOperations, position: .before(self))
            awaitingTLS = true
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            handlers.peer.whenComplete { result in
                let me = bound.value
                me.awaitingTLS = false
                switch result {
                case .success(let peer):
                    if let peer { me.configuration.events(.serverVerified(peer.description)) }
                    if let decide = me.configuration.answerRequest {
                        me.askExpert(peer, decide)
                    } else {
                        me.perform(me.handshake.tlsEstablished())
                        me.process()
                    }
                case .failure(let error):
                    me.endReason = (false, ConnectionErrorText.describe(error))
                    me.context?.close(promise: nil)
                }
            }
        } catch {
            endReason = (false, "cannot start TLS" + ConnectionErrorText.detail(error))
            context.close(promise: nil)
        }
    }

    /// Listening: the expert accepts or refuses the request before the requester is asked.
    private func askExpert(_ peer: TrustedPeer?,
                           _ decide: @Sendable (TrustedPeer?, @escaping @Sendable (RequestAnswer) -> Void) -> Void) {
        guard let context else { return }
        awaitingTLS = true   // hold incoming bytes until the answer is sent
        handshakeTimer?.cancel()
        configuration.events(.requestArrived(peer?.description ?? "an unknown requester"))
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        decide(peer) { answer in
            loop.execute {
                let me = bound.value
                guard !me.ended, let context = me.context else { return }
                me.awaitingTLS = false
                guard let bytes = try? answer.serialized() else { return }
                if let refusal = answer.refusal {
                    me.endReason = (false, answer.text.isEmpty ? "refused (\(refusal))" : answer.text)
                    let channel = context.channel
                    context.writeAndFlush(me.wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
                    return
                }
                context.write(me.wrapOutboundOut(bytes), promise: nil)
                // Accepted: the requester now decides; ServerInit must come within the consent wait.
                let wait = me.configuration.consentWait
                me.handshakeTimer = loop.scheduleTask(in: wait) {
                    bound.value.finish(byAgent: true, reason: "the other side did not start sharing within \(wait.nanoseconds / 1_000_000_000) s")
                }
                me.perform(me.handshake.tlsEstablished())
                me.process()
            }
        }
    }

    private func begin(_ result: ClientHandshakeResult, _ context: ChannelHandlerContext) throws {
        var s = ClientSession(serverInit: result.serverInit)
        context.write(wrapOutboundOut(try s.setPixelFormat(.native)), promise: nil)
        context.write(wrapOutboundOut(try s.setEncodings(configuration.encodingList)), promise: nil)
        context.write(wrapOutboundOut(try s.updateRequest(incremental: false)), promise: nil)
        requestsSent += 1
        session = s
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let events = configuration.events
        files = FileTransferLink(
            receiving: configuration.files, context: context, events: { events(.file($0)) },
            current: { bound.value.context },
            canSend: {
                let me = bound.value
                return (me.session?.fileTransferConfirmed ?? false) && !me.ended && !me.ending
            })
        let made = FrameAssembler(width: result.serverInit.width, height: result.serverInit.height)
        made.recordsChanges = configuration.pictures != nil
        assembler = made
        configuration.events(.sessionStarted(name: result.serverInit.name, width: result.serverInit.width,
                                             height: result.serverInit.height,
                                             encoding: configuration.encodings.first?.rawValue ?? "raw"))
    }

    private func readSession() throws {
        guard var s = session, let assembler, let context else { return }
        let events = try s.receive(&cumulation)
        session = s
        for event in events {
            switch event {
            case .send(let bytes):
                context.write(wrapOutboundOut(bytes), promise: nil)
            case .updateBegan:
                break
            case .rectangle(let rectangle):
                try assembler.apply(rectangle, format: s.pixelFormat)
            case .updateEnded:
                frames += 1
                configuration.frameObserver?(assembler.framebuffer)
                configuration.snapshots?.offer(assembler.framebuffer, pointer: configuration.drawPointer ? assembler.pointerOverlay : nil)
                if let pictures = configuration.pictures {
                    pictures(LivePicture(number: frames, framebuffer: assembler.framebuffer, changes: assembler.takeChanges(),
                                         pointer: assembler.pointerOverlay))
                }
                configuration.events(.frame(number: frames, width: assembler.framebuffer.width,
                                            height: assembler.framebuffer.height))
                updatesEnded = min(updatesEnded + 1, requestsSent)
            case .framebufferResized(let width, let height):
                assembler.resize(width: width, height: height)
                configuration.events(.resized(width: width, height: height))
                // The contents are gone: ask for everything (a non-incremental request, sent after this update).
                needsFullUpdate = true
            case .chat(let chat):
                if case .message(let text) = chat { configuration.events(.chat(text)) }
            case .peerEndedSession(let end):
                endReason = (true, end.text.isEmpty ? "\(end.reason)" : end.text)
                context.close(promise: nil)
            case .fileTransfer(let message):
                do {
                    try files?.handle(message)
                } catch {
                    // A lie about a file (size, hash, an id, the window): the session ends, with the reason.
                    end(reason: .error, text: "the file transfer broke the rules: \(error)",
                        localReason: "the other side broke the file-transfer rules: \(error)")
                    return
                }
            case .desktopNameChanged, .bell, .cutText, .endOfContinuousUpdates, .sessionEndConfirmed, .fileTransferConfirmed:
                break
            }
        }
        try requestNextUpdate(s, context)
        context.flush()
    }

    /// Asks for the next update once the last request is answered (one request outstanding at most).
    private func requestNextUpdate(_ s: ClientSession, _ context: ChannelHandlerContext) throws {
        guard updatesEnded == requestsSent, !ended, !ending else { return }
        context.write(wrapOutboundOut(try s.updateRequest(incremental: !needsFullUpdate)), promise: nil)
        requestsSent += 1
        needsFullUpdate = false
    }

    // MARK: - Local commands

    func sendChat(_ text: String) throws {
        guard let context, session != nil, !ended else { return }
        for message in TextChat.messages(for: text) {
            context.write(wrapOutboundOut(try ClientMessage.textChat(message).serialized()), promise: nil)
        }
        context.flush()
    }

    func end(reason: SessionEnd.Reason, text: String, localReason: String? = nil) {
        guard let context, !ended, !ending else { return }
        ending = true
        endReason = (false, localReason ?? text)
        files?.close(reason: "the session ended")
        if let s = session, let message = try? s.sessionEnd(reason: reason, text: text) {
            context.write(wrapOutboundOut(message), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer())).whenComplete { _ in channel.close(promise: nil) }
    }

    // MARK: - Files

    /// Offers a file to the agent (only one that confirmed our file transfer).
    func offerFile(_ file: OutgoingFile) {
        guard let files else { file.close(); return configuration.events(.filesUnsupported(path: file.path)) }
        let ready = session?.fileTransferConfirmed == true && !ended && !ending
        if !files.offer(file, ifReady: ready) { configuration.events(.filesUnsupported(path: file.path)) }
    }

    func acceptFile(_ id: UInt32) { files?.accept(id) }

    func declineFile(_ id: UInt32, reason: String) { files?.decline(id, reason: reason) }

    func cancelFiles(reason: String) -> Int { files?.cancelAll(reason: reason) ?? 0 }

    func snapshot() throws -> String? {
        guard let assembler, let writer = configuration.snapshots else { return nil }
        return try writer.snapshot(assembler.framebuffer, pointer: configuration.drawPointer ? assembler.pointerOverlay : nil)
    }

    private func finish(byAgent: Bool, reason: String) {
        guard !ended else { return }
        ended = true
        handshakeTimer?.cancel()
        files?.close(reason: "the session ended")
        if let assembler, let writer = configuration.snapshots, frames > 0 {
            try? writer.finish(assembler.framebuffer, pointer: configuration.drawPointer ? assembler.pointerOverlay : nil)
        }
        configuration.events(.ended(byAgent: byAgent, reason: reason))
        context?.close(promise: nil)
    }
}
