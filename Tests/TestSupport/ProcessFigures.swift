import Foundation

/// What /proc says about a running process: resident memory and open file descriptors.
public enum ProcessFigures {
    /// VmRSS in kilobytes, nil when the process is gone.
    public static func residentKilobytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }

    /// Entries of /proc/PID/fd, nil when the process is gone.
    public static func openFileDescriptors(_ pid: Int32) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }
}
