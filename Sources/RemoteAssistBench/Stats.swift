#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in milliseconds.
func nowMilliseconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
}

/// Runs `body` `count` times and returns the sorted durations in milliseconds.
func measure(_ count: Int, _ body: () throws -> Void) rethrows -> [Double] {
    var times: [Double] = []
    times.reserveCapacity(count)
    for _ in 0..<count {
        let t0 = nowMilliseconds()
        try body()
        times.append(nowMilliseconds() - t0)
    }
    return times.sorted()
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

func format(_ ms: Double) -> String {
    let scaled = (ms * 100).rounded() / 100
    return "\(scaled)"
}
