#if canImport(Glibc)
import Glibc
#endif
import CXlib
public import Pixels

/// Captures the root window of an X display.
///
/// Pixels come from XShmGetImage into one reused shared-memory segment, or from XGetImage when MIT-SHM
/// is missing or refused (a display on another host) — both give identical pixels. DAMAGE events (raw
/// rectangles) say what changed since the previous capture, so only that is converted and reported;
/// without the extension every capture reports the whole screen. RandR screen changes resize the
/// framebuffer. X errors become `X11CaptureError`s; Xlib never gets to exit the process.
///
/// Not thread-safe: use one instance from one thread (or actor) at a time. Instances on different
/// threads are fine: their calls into Xlib take turns (`XlibLock`).
public final class X11ScreenSource: ScreenSource {
    public enum Method: String, Sendable { case sharedMemory = "MIT-SHM", getImage = "XGetImage" }

    public let displayName: String
    public private(set) var method: Method
    /// True when DAMAGE drives the captures (false: every capture reports the whole screen).
    public let usesDamage: Bool
    public private(set) var width: Int
    public private(set) var height: Int
    public var size: (width: Int, height: Int) { (width, height) }

    private let display: OpaquePointer
    private let root: Window
    private let screen: Int32
    private var damage: Damage = 0
    private var damageEventBase: Int32 = 0
    private var randrEventBase: Int32 = -1
    private var fixesEventBase: Int32 = -1
    private var cursorChanged = false
    private var damageSinceSubtract = 0
    private var converter: PixelConverter
    private var shm: SharedImage?
    private var pending = TileMap(width: 0, height: 0)
    private var needsFull = true
    private var closed = false

    /// Opens `displayName` (nil: `$DISPLAY`).
    /// - Parameters:
    ///   - allowSharedMemory: false forces the XGetImage path.
    ///   - useDamage: false ignores DAMAGE even where the server has it.
    public init(displayName: String? = nil, allowSharedMemory: Bool = true, useDamage: Bool = true) throws {
        let name = displayName ?? ProcessInfoLite.environment("DISPLAY") ?? ""
        self.displayName = name
        XlibLock.shared.lock()
        defer { XlibLock.shared.unlock() }
        XInitThreads()
        guard let dpy = XOpenDisplay(name.isEmpty ? nil : name) else {
            throw X11CaptureError.cannotOpenDisplay(name.isEmpty ? "(DISPLAY is not set)" : name)
        }
        XErrorRegistry.register(dpy)
        display = dpy
        screen = XDefaultScreen(dpy)
        root = XRootWindow(dpy, screen)
        width = Int(XDisplayWidth(dpy, screen))
        height = Int(XDisplayHeight(dpy, screen))

        let depth = XDefaultDepth(dpy, screen)
        guard let visual = XDefaultVisual(dpy, screen) else {
            XErrorRegistry.unregister(dpy); XCloseDisplay(dpy)
            throw X11CaptureError.unsupportedVisual("the screen has no default visual")
        }
        let visualClass = visual.pointee.`class`
        guard visualClass == TrueColor, depth == 24 || depth == 32 else {
            XErrorRegistry.unregister(dpy); XCloseDisplay(dpy)
            throw X11CaptureError.unsupportedVisual("need a TrueColor visual of depth 24 or 32, found class \(visualClass) depth \(depth)")
        }
        let bigEndian = XImageByteOrder(dpy) == MSBFirst
        let masks = (visual.pointee.red_mask, visual.pointee.green_mask, visual.pointee.blue_mask)
        guard let conv = PixelConverter(redMask: UInt32(truncatingIfNeeded: masks.0),
                                        greenMask: UInt32(truncatingIfNeeded: masks.1),
                                        blueMask: UInt32(truncatingIfNeeded: masks.2),
                                        bigEndian: bigEndian) else {
            XErrorRegistry.unregister(dpy); XCloseDisplay(dpy)
            throw X11CaptureError.unsupportedVisual("channel masks \(masks.0)/\(masks.1)/\(masks.2) are not 8 bits each")
        }
        converter = conv
        method = .getImage

        // DAMAGE: raw rectangles on the root window (children included).
        var errorBase: Int32 = 0
        if useDamage && XDamageQueryExtension(dpy, &damageEventBase, &errorBase) != 0 {
            damage = XDamageCreate(dpy, root, Int32(XDamageReportRawRectangles))
            usesDamage = damage != 0
        } else {
            usesDamage = false
        }
        // RandR: be told about screen size changes.
        var rrError: Int32 = 0
        if XRRQueryExtension(dpy, &randrEventBase, &rrError) != 0 {
            XRRSelectInput(dpy, root, Int32(RRScreenChangeNotifyMask))
        } else {
            randrEventBase = -1
        }
        // XFIXES: be told when the pointer image changes.
        var fixesError: Int32 = 0
        if XFixesQueryExtension(dpy, &fixesEventBase, &fixesError) != 0 {
            XFixesSelectCursorInput(dpy, root, UInt(XFixesDisplayCursorNotifyMask))
        } else {
            fixesEventBase = -1
        }
        if allowSharedMemory { shm = try? makeSharedImage() }
        method = shm == nil ? .getImage : .sharedMemory
        XSync(dpy, 0)
        _ = takeError()
        pending = TileMap(width: width, height: height)
    }

    deinit { close() }

    /// Releases the shared memory and the connection. Safe to call twice.
    public func close() {
        XlibLock.shared.run(closeLocked)
    }

    private func closeLocked() {
        guard !closed else { return }
        closed = true
        let alive = !XErrorRegistry.ioFailed(display)
        if alive, damage != 0 { XDamageDestroy(display, damage) }
        if let s = shm { s.release(display: display, alive: alive) }
        shm = nil
        if alive { XCloseDisplay(display) }
        XErrorRegistry.unregister(display)
    }

    public func capture(into framebuffer: inout Framebuffer, full: Bool) throws -> CaptureChange {
        XlibLock.shared.lock()
        defer { XlibLock.shared.unlock() }
        try checkAlive()
        // One round trip: every event the server generated before it is now in our queue.
        XSync(display, 0)
        try checkAlive()
        var resized = try drainEvents()
        if framebuffer.width != width || framebuffer.height != height {
            framebuffer.resize(width: width, height: height)
            resized = true
        }
        let everything = full || needsFull || resized || !usesDamage
        if everything { pending.markAll() }
        let cursor = cursorChanged
        cursorChanged = false
        if pending.isEmpty { return CaptureChange(damage: [], resized: false, cursorChanged: cursor) }

        let spans = pending.markedSpans
        switch method {
        case .sharedMemory:
            if try !captureShared(spans: spans, into: &framebuffer) {
                // The server refused the shared image (e.g. a resize raced us): fall back for good.
                shm?.release(display: display, alive: true)
                shm = nil
                method = .getImage
                try captureGetImage(spans: spans, into: &framebuffer)
            }
        case .getImage:
            try captureGetImage(spans: spans, into: &framebuffer)
        }
        pending.clear()
        needsFull = false
        return CaptureChange(damage: everything ? [framebuffer.bounds] : spans, resized: resized, cursorChanged: cursor)
    }

    public var hasPendingChanges: Bool { !usesDamage || needsFull || !pending.isEmpty || cursorChanged }

    /// Waits on the X connection (and `wakeFileDescriptor`): DAMAGE, RandR and cursor events wake it up,
    /// so an idle screen costs no CPU (no polling). Events are drained into the pending damage each time.
    public func waitForEvents(timeoutMilliseconds: Int, wakeFileDescriptor: Int32? = nil) throws -> Bool {
        let connection = try XlibLock.shared.run { () throws -> Int32? in
            try checkAlive()
            guard usesDamage else { return nil }
            // Flushes, then reads what the socket already holds (Xlib/XCB may have buffered events while
            // flushing, after which the socket itself would not poll readable).
            if XEventsQueued(display, QueuedAfterFlush) > 0 {
                _ = try drainQueued()
                return nil
            }
            return XConnectionNumber(display)
        }
        guard let connection else { return true }
        var fds = [pollfd(fd: connection, events: Int16(POLLIN), revents: 0)]
        if let wake = wakeFileDescriptor { fds.append(pollfd(fd: wake, events: Int16(POLLIN), revents: 0)) }
        let timeout = timeoutMilliseconds < 0 ? -1 : Int32(min(timeoutMilliseconds, Int(Int32.max)))
        let n = poll(&fds, nfds_t(fds.count), timeout)
        if n < 0 && errno != EINTR { throw X11CaptureError.connectionLost(displayName) }
        if n > 0 && fds[0].revents != 0 {
            // Reads the events (or lets Xlib notice a lost connection and report it through its handlers).
            try XlibLock.shared.run {
                _ = XEventsQueued(display, QueuedAfterReading)
                try checkAlive()
                _ = try drainQueued()
            }
        }
        return n > 0
    }

    /// Moves already-read events into the pending state without a round trip.
    private func drainQueued() throws -> Bool {
        var resized = false
        while XEventsQueued(display, QueuedAlready) > 0 {
            resized = try handleNextEvent() || resized
        }
        if resized { needsFull = true }
        return resized
    }

    /// The pointer image (XFixes), or nil when the server has no XFIXES.
    public func cursorImage() throws -> CursorImage? {
        XlibLock.shared.lock()
        defer { XlibLock.shared.unlock() }
        try checkAlive()
        var eventBase: Int32 = 0, errorBase: Int32 = 0
        guard XFixesQueryExtension(display, &eventBase, &errorBase) != 0 else { return nil }
        guard let image = XFixesGetCursorImage(display) else {
            try checkAlive()
            return nil
        }
        defer { XFree(image) }
        let w = Int(image.pointee.width), h = Int(image.pointee.height)
        var argb = [UInt32](repeating: 0, count: w * h)
        for i in 0..<(w * h) { argb[i] = ra_cursor_pixel(image, Int32(i)) }
        return CursorImage(width: w, height: h, hotX: Int(image.pointee.xhot), hotY: Int(image.pointee.yhot),
                           argb: argb, serial: UInt64(image.pointee.cursor_serial))
    }

    public func pointerPosition() throws -> (x: Int, y: Int)? {
        XlibLock.shared.lock()
        defer { XlibLock.shared.unlock() }
        try checkAlive()
        var rootReturn: Window = 0, child: Window = 0
        var rx: Int32 = 0, ry: Int32 = 0, wx: Int32 = 0, wy: Int32 = 0
        var mask: UInt32 = 0
        guard XQueryPointer(display, root, &rootReturn, &child, &rx, &ry, &wx, &wy, &mask) != 0 else {
            try checkAlive()
            return nil
        }
        return (Int(rx), Int(ry))
    }

    // MARK: - Events

    /// Reads queued events: damage into `pending`, screen changes into the size. True on a resize.
    private func drainEvents() throws -> Bool {
        var resized = false
        while XPending(display) > 0 {
            resized = try handleNextEvent() || resized
        }
        try checkAlive()
        return resized
    }

    /// Takes one event off the queue. True when it resized the screen.
    private func handleNextEvent() throws -> Bool {
        var event = XEvent()
        XNextEvent(display, &event)
        let type = ra_event_type(&event)
        if usesDamage && type == damageEventBase + Int32(XDamageNotify) {
            let a = ra_damage_area(&event)
            pending.mark(Rect(x: Int(a.x), y: Int(a.y), width: Int(a.width), height: Int(a.height)))
            damageSinceSubtract += 1
            // Raw reports accumulate a region on the server side too; empty it now and then.
            if damageSinceSubtract >= 256 {
                XDamageSubtract(display, damage, 0, 0)
                damageSinceSubtract = 0
            }
        } else if fixesEventBase >= 0 && type == fixesEventBase + Int32(XFixesCursorNotify) {
            cursorChanged = true
        } else if randrEventBase >= 0 && type == randrEventBase + Int32(RRScreenChangeNotify) {
            XRRUpdateConfiguration(&event)
            return try updateSize()
        }
        return false
    }

    /// Re-reads the root window size; rebuilds the shared image when it changed.
    private func updateSize() throws -> Bool {
        var attributes = XWindowAttributes()
        guard XGetWindowAttributes(display, root, &attributes) != 0 else { try checkAlive(); return false }
        let w = Int(attributes.width), h = Int(attributes.height)
        guard w != width || h != height else { return false }
        width = w
        height = h
        pending = TileMap(width: w, height: h)
        needsFull = true
        if method == .sharedMemory {
            shm?.release(display: display, alive: true)
            shm = try? makeSharedImage()
            if shm == nil { method = .getImage }
        }
        return true
    }

    // MARK: - Pixels

    private func makeSharedImage() throws -> SharedImage {
        guard XShmQueryExtension(display) != 0 else { throw X11CaptureError.sharedMemory("the server has no MIT-SHM extension") }
        return try SharedImage(display: display, screen: screen, width: width, height: height) { [self] in
            XSync(display, 0)
            if let e = takeError() { throw X11CaptureError.sharedMemory("the server refused the segment (\(e))") }
        }
    }

    /// Fills `spans` from one XShmGetImage of their bounding box (the whole root window when that is
    /// most of it). False when the server refused it.
    ///
    /// A smaller box is read by narrowing the image for the one request: the server writes the box's rows
    /// packed (its width x 4 bytes a row) from the start of the segment. So a capture costs the changed
    /// area, not the screen's (at 3840x2160 a whole-screen read is 33 MB however little changed).
    private func captureShared(spans: [Rect], into framebuffer: inout Framebuffer) throws -> Bool {
        guard let s = shm else { return false }
        let screen = Rect(x: 0, y: 0, width: width, height: height)
        var box = spans.reduce(Rect(x: 0, y: 0, width: 0, height: 0)) { $0.union($1) }.intersection(screen)
        guard !box.isEmpty else { return true }
        if box.area * 2 > screen.area { box = screen }
        let image = s.image
        let whole = (image.pointee.width, image.pointee.height, image.pointee.bytes_per_line)
        image.pointee.width = Int32(box.width)
        image.pointee.height = Int32(box.height)
        image.pointee.bytes_per_line = box == screen ? whole.2 : Int32(box.width * 4)
        defer { (image.pointee.width, image.pointee.height, image.pointee.bytes_per_line) = whole }
        let ok = XShmGetImage(display, root, image, Int32(box.x), Int32(box.y), ~UInt(0))
        try checkAlive()
        if ok == 0 || takeError() != nil { return false }
        convert(image: image, originX: box.x, originY: box.y, spans: spans, into: &framebuffer)
        return true
    }

    /// Fills `spans` from one XGetImage of their bounding box.
    private func captureGetImage(spans: [Rect], into framebuffer: inout Framebuffer) throws {
        let box = spans.reduce(Rect(x: 0, y: 0, width: 0, height: 0)) { $0.union($1) }.intersection(framebuffer.bounds)
        guard !box.isEmpty else { return }
        let image = XGetImage(display, root, Int32(box.x), Int32(box.y), UInt32(box.width), UInt32(box.height),
                              ~UInt(0), ZPixmap)
        try checkAlive()
        guard let image else {
            if let e = takeError() { throw e }
            throw X11CaptureError.protocolError(request: 73, minor: 0, code: 0, text: "XGetImage returned no image")
        }
        defer { _ = image.pointee.f.destroy_image(image) }
        try checkImage(image)
        convert(image: image, originX: box.x, originY: box.y, spans: spans, into: &framebuffer)
    }

    private func checkImage(_ image: UnsafeMutablePointer<XImage>) throws {
        guard image.pointee.bits_per_pixel == 32, image.pointee.format == ZPixmap else {
            throw X11CaptureError.unsupportedVisual("image has \(image.pointee.bits_per_pixel) bits per pixel; need 32")
        }
    }

    /// Converts the parts of `image` (whose top-left is at originX, originY) under `spans`.
    private func convert(image: UnsafeMutablePointer<XImage>, originX: Int, originY: Int, spans: [Rect],
                         into framebuffer: inout Framebuffer) {
        guard let data = image.pointee.data else { return }
        let bytesPerLine = Int(image.pointee.bytes_per_line)
        let imageRect = Rect(x: originX, y: originY, width: Int(image.pointee.width), height: Int(image.pointee.height))
        let fbWidth = framebuffer.width
        let conv = converter
        let bounds = framebuffer.bounds
        framebuffer.pixels.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            let raw = UnsafeRawPointer(data)
            for span in spans {
                let r = span.intersection(imageRect).intersection(bounds)
                guard !r.isEmpty else { continue }
                for y in r.y..<r.maxY {
                    let src = (raw + (y - originY) * bytesPerLine + (r.x - originX) * 4).assumingMemoryBound(to: UInt32.self)
                    conv.convertRow(src, base + y * fbWidth + r.x, count: r.width)
                }
            }
        }
    }

    // MARK: - Errors

    private func checkAlive() throws {
        if closed || XErrorRegistry.ioFailed(display) { throw X11CaptureError.connectionLost(displayName) }
    }

    private func takeError() -> X11CaptureError? {
        guard let (code, request, minor) = XErrorRegistry.takeError(display) else { return nil }
        var text = [CChar](repeating: 0, count: 128)
        XGetErrorText(display, code, &text, Int32(text.count))
        let message = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return .protocolError(request: Int(request), minor: Int(minor), code: Int(code), text: message)
    }
}

/// Environment look-up without Foundation.
enum ProcessInfoLite {
    static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
}
