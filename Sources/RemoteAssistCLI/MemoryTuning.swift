#if canImport(Glibc)
import Glibc
#endif

/// Allocator setting for the long-running agent. Every session allocates whole-screen framebuffers
/// (8 MB at 1080p) on its own capture thread; glibc's default raises the mmap threshold after the first
/// such buffer is freed, so later ones come from per-thread heaps that fragment and are never returned:
/// the soak saw +117 MB over ~850 short sessions. A fixed threshold keeps large buffers in mmap, given
/// back to the system when a session ends (+22 MB over the same run).
enum MemoryTuning {
    static let mmapThresholdBytes: Int32 = 128 * 1024
    /// `M_MMAP_THRESHOLD` of <malloc.h> (not in the Glibc module, nor is mallopt: looked up by name).
    private static let mmapThresholdParameter: Int32 = -3

    static func forLongRunningAgent() {
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(mmapThresholdParameter, mmapThresholdBytes)
    }
}
