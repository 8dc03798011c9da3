#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte comparison of `count` pixels (libc's memcmp: vectorised, the memory-speed baseline).
@inline(__always)
func pixelsDiffer(_ a: UnsafePointer<UInt32>, _ b: UnsafePointer<UInt32>, _ count: Int) -> Bool {
    memcmp(a, b, count &* 4) != 0
}
