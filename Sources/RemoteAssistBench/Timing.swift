import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Milliseconds taken by `body`.
@inline(never)
func measure<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
}

/// Median and 95th percentile of samples (nearest rank).
func median(_ xs: [Double]) -> Double { percentile(xs, 50) }

func percentile(_ xs: [Double], _ p: Double) -> Double {
    guard !xs.isEmpty else { return 0 }
    let s = xs.sorted()
    let rank = Int((p / 100 * Double(s.count)).rounded(.up)) - 1
    return s[max(0, min(s.count - 1, rank))]
}

/// Milliseconds of CPU time this thread has used (CLOCK_THREAD_CPUTIME_ID): unlike wall time, it leaves
/// out the time the thread waited for a core, which dominates on a busy shared machine.
func threadCPUMs() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) / 1e6
}

/// `body`'s wall and thread-CPU milliseconds.
@inline(never)
func measureBoth<T>(_ body: () throws -> T) rethrows -> (T, wall: Double, cpu: Double) {
    let cpu0 = threadCPUMs(), start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    return (value, wall, threadCPUMs() - cpu0)
}
