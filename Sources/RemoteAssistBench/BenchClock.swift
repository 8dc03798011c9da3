#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in milliseconds.
func nowMilliseconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
}

/// A number with two decimals, for tables.
func format(_ value: Double) -> String {
    String(Double(Int((value * 100).rounded())) / 100)
}
