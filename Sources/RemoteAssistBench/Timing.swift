import Dispatch

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
