import NIOCore
import NIOSSL
import Pixels
import RFBProtocol
import RFBTransport

/// The agent end of one viewer connection: runs the RFB handshake (VeNCrypt TLS upgrade, password,
/// consent), then the session (requests, chat, session end) with a `CapturePump` (its share of the
/// display's `SharedScreen`) started only after consent. Lives on the channel's event loop.
final class AgentSessionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let configuration: AgentConfiguration
    private var handshake: ServerHandshake
    private var session: ServerSession?
    /// The screen size once capture is ready (ServerInit's size).
    private var capturedSize: (width: Int, height: Int)?
    private var cumulation = ByteBuffer()
    private var pump: CapturePump?
    /// What the pump had sent when the connection closed.
    private var finalStatistics: SessionStatistics?
    private var viewer = "a viewer"
    private var remote = "?"
    /// The viewer's IP address (nil if unknown), for counting wrong passwords per address.
    private var remoteIP: String?
    private var context: ChannelHandlerContext?
    private var handshakeTimer: Scheduled<Void>?
    private var ended = false
    private var awaitingTLS = false
    /// Reverse connection: consent is asked only after the expert's RequestAnswer accepted.
    private var awaitingAnswer = false
    /// The viewer's SetEncodings arrived (so whether it can chat is known); chat typed before waits here.
    private var encodingsKnown = false
    private var pendingChat: [String] = []
    private var chatRefusalReported = false
    /// The SecurityResult that follows consent went out (OK once the screen is captured, or a failure).
    private var consentSent = false
    /// The files of this session (made when the session starts).
    private var files: FileTransferLink?
    /// The update carrying our file-transfer confirmation is written: file messages may follow it.
    private var filesReady = false
    /// Updates handed to the channel and not yet written: file chunks wait for them (the picture first).
    private var updatesWriting = 0

    init(configuration: AgentConfiguration) {
        self.configuration = configuration
        // X509Plain first: libvncclient (and so Remmina) takes the first subtype of the server's list it
        // knows, and with X509None first it chose mutual TLS without a certificate and always failed. Our
        // viewer and TigerVNC choose by their own preference, whatever the order.
        var subtypes: [VeNCryptSubtype] = []
        if configuration.security.passwordTLS != nil && configuration.security.passwords != nil { subtypes.append(.x509Plain) }
        if configuration.security.mutualTLS != nil { subtypes.append(.x509None) }
        handshake = ServerHandshake(configuration: ServerHandshakeConfiguration(
            allowNone: configuration.security.allowNone, veNCryptSubtypes: subtypes))
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// The context holds this handler: keeping it after removal would keep both (and the whole
    /// connection's state) in memory for good.
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelActive(context: ChannelHandlerContext) {
        remote = configuration.remoteLabel ?? AddressText.describe(context.channel.remoteAddress)
        remoteIP = context.channel.remoteAddress?.ipAddress
        configuration.events(.connected(remoteAddress: remote))
        let limit = configuration.handshakeTimeout
        restartHandshakeTimer(context, limit, "the other side did not finish the handshake within \(Self.seconds(limit))")
        perform(handshake.start())
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        cumulation.writeBuffer(&bytes)
        process()
        if !ended && cumulation.readableBytes > AgentLimits.maximumBufferedBytes {
            fail(AgentError.protocolViolation("more than \(AgentLimits.maximumBufferedBytes) bytes sent ahead").description,
                 byViewer: true)
        }
    }

    /// A viewer that stops reading makes the connection unwritable: stop reading its requests too, so
    /// that replies (fences, chat) cannot pile up in memory; the one update in flight waits in NIO.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // Switching autoRead back on reads again at once.
        context.channel.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenFailure { _ in }
        if context.channel.isWritable { files?.pump() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The pump's callbacks hold this handler: let go of the pump, or neither is ever freed (nor the
        // pump's wake pipe closed) — one leaked pair of descriptors and a session's memory per connection.
        pump?.stop()
        finalStatistics = pump?.statistics
        pump = nil
        handshakeTimer?.cancel()
        files?.close(reason: "the session ended")
        // The link's closures hold this handler: let go of it, or neither is ever freed.
        files = nil
        if !ended {
            ended = true
            report(byViewer: true, reason: session == nil ? "the other side left during the handshake" : "the other side disconnected")
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(ConnectionErrorText.describe(error), byViewer: true)
    }

    // MARK: - Bytes in

    private func process() {
        guard !ended, !awaitingTLS else { return }
        do {
            if awaitingAnswer {
                guard let answer = try RequestAnswer.read(from: &cumulation) else { return }
                awaitingAnswer = false
                handshakeTimer?.cancel()
                if let refusal = answer.refusal {
                    let text = answer.text.isEmpty ? "the other side refused the request (\(refusal))" : answer.text
                    configuration.events(.requestAnswered(refusal: text))
                    return fail(text, byViewer: true)
                }
                configuration.events(.requestAnswered(refusal: nil))
                if let context { askConsent(context) }
                if cumulation.readableBytes > 0 { process() }
                return
            }
            if var s = session {
                let actions = try s.receive(&cumulation)
                session = s
                handleSession(actions)
            } else {
                perform(try handshake.receive(&cumulation))
                if session != nil && cumulation.readableBytes > 0 { process() }
            }
            cumulation.discardReadBytes()
        } catch {
            fail(AgentError.protocolViolation("\(error)").description, byViewer: true)
        }
    }

    // MARK: - Handshake

    private func perform(_ actions: [ServerHandshake.Action]) {
        guard let context else { return }
        for action in actions {
            switch action {
            case .send(let bytes):
                context.write(wrapOutboundOut(bytes), promise: nil)
            case .startTLS:
                context.flush()
                if case .veNCrypt(let subtype) = handshake.security, subtype.usesPlainAuthentication {
                    // A stock viewer: from here a person may be accepting our certificate, then typing the
                    // one-time password (the short limit still holds our own viewers, X509None, through TLS).
                    let limit = configuration.passwordTimeout
                    restartHandshakeTimer(context, limit,
                                          "the other side did not send the one-time password within \(Self.seconds(limit))")
                }
                startTLS(context)
            case .checkPlainCredentials(_, let password):
                checkPassword(Array(password.utf8))
            case .askConsent:
                context.flush()
                if configuration.reverse {
                    // The expert answers first; the requester is asked only after "accepted".
                    awaitingAnswer = true
                    handshakeTimer?.cancel()
                    let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
                    handshakeTimer = context.eventLoop.scheduleTask(in: configuration.answerTimeout) {
                        bound.value.fail("the other side did not answer the request in time", byViewer: true)
                    }
                } else {
                    askConsent(context)
                }
            case .consentGrantedNeedServerInit:
                context.flush()   // the capture already runs (started before SecurityResult OK)
            case .completed:
                handshakeTimer?.cancel()
                startSession()
            case .fail(let reason):
                context.flush()
                fail(reason, byViewer: false)
            }
        }
        context.flush()
    }

    /// The handshake's time limit, from now: when it runs out before the consent question, the
    /// connection is closed with `reason`.
    private func restartHandshakeTimer(_ context: ChannelHandlerContext, _ limit: TimeAmount, _ reason: String) {
        handshakeTimer?.cancel()
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        handshakeTimer = context.eventLoop.scheduleTask(in: limit) {
            bound.value.fail(reason, byViewer: true)
        }
    }

    private func startTLS(_ context: ChannelHandlerContext) {
        let setup: TLSSetup.Server?
        switch handshake.security {
        case .veNCrypt(.x509None): setup = configuration.security.mutualTLS
        case .veNCrypt(.x509Plain): setup = configuration.security.passwordTLS
        default: setup = nil
        }
        guard let setup else { return fail("no TLS set up for \(String(describing: handshake.security))", byViewer: false) }
        guard cumulation.readableBytes == 0 else {
            return fail(AgentError.protocolViolation("data before the TLS handshake").description, byViewer: true)
        }
        let handlers = setup.makeHandlers(on: context.eventLoop)
        do {
            // Right below this handler, not at the front: anything between the socket and us (the XMPP
            // relay's framing) stays under TLS, so TLS's own bytes are framed too.
            try handlers.add(to: context.pipeline.syncOperations, position: .before(self))
        } catch {
            return fail("cannot start TLS" + ConnectionErrorText.detail(error), byViewer: false)
        }
        awaitingTLS = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        handlers.peer.whenComplete { result in
            let me = bound.value
            me.awaitingTLS = false
            switch result {
            case .success(let peer):
                if let peer {
                    me.viewer = peer.description
                    me.configuration.events(.viewerVerified(peer.description))
                }
                me.perform(me.handshake.tlsEstablished())
                me.process()
            case .failure(let error):
                let why = ConnectionErrorText.describe(error)
                me.configuration.events(.authenticationFailed(why))
                me.fail(why, byViewer: true)
            }
        }
    }

    private func askConsent(_ context: ChannelHandlerContext) {
        // The viewer authenticated: the time limit now belongs to the person deciding (the consent timeout).
        handshakeTimer?.cancel()
        let request = ConsentRequest(viewer: viewer, remoteAddress: remote)
        configuration.events(.consentAsked(request))
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        configuration.consent(request, ConsentReply { granted, reason in
            loop.execute {
                let me = bound.value
                guard !me.ended else { return }
                guard granted else {
                    let why = reason ?? ServerHandshake.declinedReason
                    me.configuration.events(.consentRefused(why))
                    return me.perform(me.handshake.consent(granted: false, reason: why))
                }
                // The screen is opened before the viewer hears "yes" (SecurityResult OK): if it cannot be
                // captured, the viewer is told why in the SecurityResult instead of losing the connection
                // after both people said yes.
                guard let context = me.context else { return }
                me.startSessionStartTimer(context)
                me.startCapture(context)
            }
        })
    }

    /// The screen is captured: now the viewer hears that consent was given (SecurityResult OK).
    private func grantConsent() {
        guard !consentSent else { return }
        consentSent = true
        perform(handshake.consent(granted: true))
        // A ClientInit sent ahead of the SecurityResult waited in the buffer: read it now.
        if cumulation.readableBytes > 0 { process() }
    }

    /// The screen could not be opened after consent: the viewer is told why in the SecurityResult.
    private func captureFailedBeforeStart(_ error: any Error) {
        refuseAfterConsent("\(configuration.desktopName) cannot be captured (\(error)): the session cannot start")
    }

    /// The person said yes but the session cannot start: the viewer hears why (SecurityResult), when it
    /// has not heard "yes" yet; else the connection is closed.
    private func refuseAfterConsent(_ reason: String) {
        pump?.stop()
        guard !consentSent, !ended else { return fail(reason, byViewer: false) }
        consentSent = true
        configuration.events(.consentRefused(reason))
        perform(handshake.consent(granted: false, reason: reason))
    }

    private func startCapture(_ context: ChannelHandlerContext) {
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let channel = context.channel
        let callbacks = CapturePump.Callbacks(
            ready: { width, height in
                loop.execute { bound.value.captureReady(width: width, height: height) }
            },
            send: { update, leading, done in
                // The promise is made on the event loop: if the loop is already gone (shut down under a
                // capture thread), the task is dropped whole instead of leaving an unfulfilled promise.
                loop.execute {
                    bound.value.updatesWriting += 1
                    if leading.contains(.fileTransferConfirmation) { bound.value.filesReady = true }
                    channel.writeAndFlush(update).whenComplete { _ in
                        done()
                        let me = bound.value
                        me.updatesWriting -= 1
                        if me.updatesWriting == 0 { me.files?.pump() }
                    }
                }
            },
            resized: { width, height in
                loop.execute { bound.value.screenResized(width: width, height: height) }
            },
            failed: { error in
                loop.execute { bound.value.captureFailed(error) }
            })
        let pump = CapturePump(deferMilliseconds: configuration.deferMilliseconds, screen: configuration.screen,
                               callbacks: callbacks)
        self.pump = pump
        do {
            try pump.start()
        } catch {
            captureFailedBeforeStart(error)
        }
    }

    private func captureReady(width: Int, height: Int) {
        guard !ended else { return }
        capturedSize = (width, height)
        grantConsent()
        guard !ended else { return }
        do {
            perform(try handshake.serverInit(width: width, height: height, format: .native, name: configuration.desktopName))
        } catch {
            return fail("\(error)", byViewer: false)
        }
        // ServerInit may be out now: whatever the viewer sent ahead (ClientInit, first requests) is read.
        if cumulation.readableBytes > 0 { process() }
    }

    /// Consent is given, and the session starts only once the screen is captured and the viewer's
    /// ClientInit is in: until ServerInit is sent, a timer still runs (no connection without one).
    private func startSessionStartTimer(_ context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let limit = configuration.sessionStartTimeout
        handshakeTimer = context.eventLoop.scheduleTask(in: limit) {
            let me = bound.value
            guard me.session == nil else { return }
            guard me.capturedSize != nil else {
                return me.refuseAfterConsent("\(me.configuration.desktopName) could not be captured within \(Self.seconds(limit)) of consent")
            }
            me.fail("the other side did not send ClientInit within \(Self.seconds(limit)) of consent", byViewer: true)
        }
    }

    /// The handshake completed: when the capture was ready before the viewer's ClientInit arrived, this
    /// happens while reading ClientInit, not in `captureReady` (the session must start either way).
    private func startSession() {
        guard session == nil, let size = capturedSize else { return }
        session = ServerSession(framebufferWidth: size.width, framebufferHeight: size.height, pixelFormat: .native,
                                viewOnly: true)
        if let context {
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let events = configuration.events
            files = FileTransferLink(
                receiving: configuration.files, context: context, events: { events(.file($0)) },
                current: { bound.value.context },
                canSend: {
                    let me = bound.value
                    return me.filesReady && me.updatesWriting == 0 && !me.ended
                })
        }
        configuration.events(.sessionStarted(viewer: viewer, width: size.width, height: size.height))
    }

    private func screenResized(width: Int, height: Int) {
        session?.resize(width: width, height: height)
        configuration.events(.resized(width: width, height: height))
    }

    // MARK: - Session

    private func handleSession(_ actions: [ServerSession.Action]) {
        guard let context, let pump else { return }
        for action in actions {
            switch action {
            case .send(let bytes):
                context.write(wrapOutboundOut(bytes), promise: nil)
            case .pixelFormatChanged, .encodingsChanged:
                guard var s = session else { continue }
                let settings = UpdateSettings(encodings: s.encodings, format: s.pixelFormat)
                let leading = s.takeLeadingRectangles()
                session = s
                pump.update { state in
                    state.settings = settings
                    state.leading += leading
                }
                if case .encodingsChanged = action { encodingsArrived() }
            case .updateRequested(let request):
                pump.request(area: request.area, incremental: request.incremental)
            case .continuousUpdatesChanged(let enabled, let area):
                pump.update { $0.continuousArea = enabled ? area : nil }
            case .chat(let chat):
                if case .message(let text) = chat { configuration.events(.chat(text)) }
            case .peerEndedSession(let end):
                ended = true
                pump.stop()
                configuration.events(.ended(byViewer: true, reason: end.text.isEmpty ? "\(end.reason)" : end.text))
                context.close(promise: nil)
            case .desktopSizeRequested:
                // The requester's screen is not the viewer's to resize: refused (ExtendedDesktopSize status).
                break
            case .keyEvent, .pointerEvent, .cutText:
                break   // view-only: read and dropped
            case .fileTransfer(let message):
                do {
                    try files?.handle(message)
                } catch {
                    // A lie about a file (size, hash, an id, the window): the session ends, with the reason.
                    return end(reason: .error, text: "the file transfer broke the rules: \(error)",
                               localReason: "the other side broke the file-transfer rules: \(error)")
                }
            }
        }
        context.flush()
    }

    // MARK: - Files (from AgentSession)

    /// Offers a file to the viewer (only one that confirmed our file transfer).
    func offerFile(_ file: OutgoingFile) {
        guard let files else { file.close(); return configuration.events(.filesUnsupported(path: file.path)) }
        if !files.offer(file, ifReady: filesReady && !ended) { configuration.events(.filesUnsupported(path: file.path)) }
    }

    func acceptFile(_ id: UInt32) { files?.accept(id) }

    func declineFile(_ id: UInt32, reason: String) { files?.decline(id, reason: reason) }

    func cancelFiles(reason: String) -> Int { files?.cancelAll(reason: reason) ?? 0 }

    // MARK: - Local commands (from AgentSession)

    /// Chat goes only to viewers that speak our extensions (they list the SessionEnd pseudo-encoding):
    /// stock viewers (TigerVNC) close the connection on an unknown message type 11. Lines typed before
    /// the viewer's SetEncodings wait for it; a viewer that cannot chat is reported once.
    func sendChat(_ text: String) throws {
        guard let context, let s = session, !ended else { return }
        guard encodingsKnown else {
            if pendingChat.count < 100 { pendingChat.append(text) }
            return
        }
        guard s.clientSupports(RFBEncoding.sessionEnd) else {
            if !chatRefusalReported {
                chatRefusalReported = true
                configuration.events(.chatUnsupported)
            }
            return
        }
        for message in TextChat.messages(for: text) {
            context.write(wrapOutboundOut(try ServerMessage.textChat(message).serialized()), promise: nil)
        }
        context.flush()
    }

    /// The viewer's first SetEncodings arrived: the chat typed before it goes out now (or is reported).
    private func encodingsArrived() {
        guard !encodingsKnown else { return }
        encodingsKnown = true
        let waiting = pendingChat
        pendingChat = []
        for line in waiting { try? sendChat(line) }
    }

    var statistics: SessionStatistics { pump?.statistics ?? finalStatistics ?? SessionStatistics() }

    func setPaused(_ paused: Bool) {
        pump?.update { $0.paused = paused }
    }

    /// Ends the session: the viewer is told `text` (when it understands SessionEnd), the log `localReason`.
    func end(reason: SessionEnd.Reason, text: String, localReason: String? = nil) {
        guard let context, !ended else { return }
        ended = true
        pump?.stop()
        handshakeTimer?.cancel()
        files?.close(reason: "the session ended")
        if let s = session, let message = try? s.sessionEnd(reason: reason, text: text) {
            context.write(wrapOutboundOut(message), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer())).whenComplete { _ in channel.close(promise: nil) }
        // A viewer that stopped reading must not hold the connection open: close after a grace period.
        context.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        report(byViewer: false, reason: localReason ?? text)
    }

    /// The screen can no longer be captured (the X server went away, …): the session ends for both sides,
    /// and the viewer is told why.
    private func captureFailed(_ error: any Error) {
        guard session != nil else { return captureFailedBeforeStart(error) }
        end(reason: .error, text: "\(configuration.desktopName) can no longer be captured: \(error)", localReason: "\(error)")
    }

    /// Checks a one-time password attempt; while the agent throttles attempts (after a wrong one), the
    /// check waits its turn. An address with too many wrong passwords is refused without comparing.
    private func checkPassword(_ attempt: [UInt8]) {
        guard let context, !ended else { return }
        let check = configuration.security.passwords?.verify(attempt, from: remoteIP) ?? .spent
        if case .throttled(let wait) = check {
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let (seconds, attoseconds) = wait.components
            context.eventLoop.scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) {
                bound.value.checkPassword(attempt)
            }
            return
        }
        if check != .accepted {
            configuration.events(.authenticationFailed("one-time password refused (\(check))"))
        } else {
            viewer = "a viewer with the one-time password"
        }
        perform(handshake.plainCredentialsChecked(ok: check == .accepted))
    }

    private func fail(_ reason: String, byViewer: Bool) {
        guard !ended else { return }
        ended = true
        pump?.stop()
        handshakeTimer?.cancel()
        files?.close(reason: "the session ended")
        report(byViewer: byViewer, reason: reason)
        context?.close(promise: nil)
    }

    /// One event for the end of this connection: a session's end, or a connection that never became one.
    private func report(byViewer: Bool, reason: String) {
        if session != nil {
            configuration.events(.ended(byViewer: byViewer, reason: reason))
        } else {
            configuration.events(.connectionClosed(remoteAddress: remote, reason: reason))
        }
    }

    static func seconds(_ amount: TimeAmount) -> String {
        let tenths = amount.nanoseconds / 100_000_000
        return tenths % 10 == 0 ? "\(tenths / 10) s" : "\(Double(tenths) / 10) s"
    }
}
