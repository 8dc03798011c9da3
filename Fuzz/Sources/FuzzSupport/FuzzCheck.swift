#if canImport(Glibc)
import Glibc
#endif

/// An invariant of the code under test. When it does not hold the process aborts, which libFuzzer
/// reports as a crash and saves the input.
public func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String) {
    guard !condition else { return }
    let text = "fuzz invariant broken: \(message())\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    abort()
}
