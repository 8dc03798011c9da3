#if canImport(Glibc)
import Glibc
#endif
import CXlib

/// A screen-sized XImage backed by a System V shared-memory segment attached to the X server.
/// The segment is marked for removal right after both sides attached, so it cannot leak even if the
/// process dies.
final class SharedImage {
    let image: UnsafeMutablePointer<XImage>
    private var info: UnsafeMutablePointer<XShmSegmentInfo>

    init(display: OpaquePointer, screen: Int32, width: Int, height: Int, confirmAttached: () throws -> Void) throws {
        info = .allocate(capacity: 1)
        info.initialize(to: XShmSegmentInfo())
        guard let visual = XDefaultVisual(display, screen),
              let img = XShmCreateImage(display, visual, UInt32(XDefaultDepth(display, screen)), ZPixmap, nil, info,
                                        UInt32(width), UInt32(height)) else {
            info.deallocate()
            throw X11CaptureError.sharedMemory("XShmCreateImage failed")
        }
        guard img.pointee.bits_per_pixel == 32 else {
            _ = img.pointee.f.destroy_image(img)
            info.deallocate()
            throw X11CaptureError.sharedMemory("shared image has \(img.pointee.bits_per_pixel) bits per pixel; need 32")
        }
        let bytes = Int(img.pointee.bytes_per_line) * Int(img.pointee.height)
        let id = shmget(IPC_PRIVATE, bytes, IPC_CREAT | 0o600)
        guard id >= 0 else {
            _ = img.pointee.f.destroy_image(img)
            info.deallocate()
            throw X11CaptureError.sharedMemory("shmget of \(bytes) bytes failed: \(String(cString: strerror(errno)))")
        }
        guard let address = shmat(id, nil, 0), address != UnsafeMutableRawPointer(bitPattern: -1) else {
            shmctl(id, IPC_RMID, nil)
            _ = img.pointee.f.destroy_image(img)
            info.deallocate()
            throw X11CaptureError.sharedMemory("shmat failed")
        }
        info.pointee.shmid = id
        info.pointee.shmaddr = address.assumingMemoryBound(to: CChar.self)
        info.pointee.readOnly = 0
        img.pointee.data = info.pointee.shmaddr
        image = img
        let attached = XShmAttach(display, info) != 0
        do {
            guard attached else { throw X11CaptureError.sharedMemory("XShmAttach failed") }
            try confirmAttached()
        } catch {
            shmdt(address)
            shmctl(id, IPC_RMID, nil)
            img.pointee.data = nil
            _ = img.pointee.f.destroy_image(img)
            info.deallocate()
            throw error
        }
        shmctl(id, IPC_RMID, nil)
    }

    /// Detaches from the server (when the connection still lives) and from this process.
    func release(display: OpaquePointer, alive: Bool) {
        if alive {
            XShmDetach(display, info)
            XSync(display, 0)
        }
        shmdt(info.pointee.shmaddr)
        image.pointee.data = nil
        _ = image.pointee.f.destroy_image(image)
        info.deallocate()
    }
}
