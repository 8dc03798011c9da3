import Foundation

/// What one update of our agent cost, from its `REMOTE_ASSIST_TRACE` lines ("trace: capture C ms shared
/// by N, detect D ms, encode E ms: ..."): medians over the updates of a measurement. A build without these
/// figures (an older baseline) gives none.
struct FrameTimes: Codable, Sendable {
    var updates: Int
    var captureMilliseconds: Double
    var detectMilliseconds: Double
    var encodeMilliseconds: Double

    init?(traceOutput: String) {
        var capture: [Double] = [], detect: [Double] = [], encode: [Double] = []
        for line in traceOutput.split(whereSeparator: \.isNewline) where line.hasPrefix("trace: capture ") {
            let words = line.split(separator: " ")
            func value(after word: String) -> Double? {
                words.firstIndex { $0 == word }.flatMap { i in i + 1 < words.count ? Double(words[i + 1]) : nil }
            }
            guard let c = value(after: "capture"), let d = value(after: "detect"), let e = value(after: "encode") else { continue }
            capture.append(c); detect.append(d); encode.append(e)
        }
        guard !capture.isEmpty else { return nil }
        updates = capture.count
        captureMilliseconds = median(capture)
        detectMilliseconds = median(detect)
        encodeMilliseconds = median(encode)
    }
}

extension SessionReport {
    /// Screen size, viewers, the agent's memory and what an update cost (our agents only).
    func scaleTable() -> String {
        let header = ["workload", "server", "screen", "viewers", "CPU s", "s->c bytes", "RSS idle MiB", "RSS peak MiB",
                      "per viewer MiB", "updates traced", "capture ms", "detect ms", "encode ms"]
        var cells: [[String]] = [header]
        func mib(_ kib: Int?) -> String { kib.map { String(format: "%.1f", Double($0) / 1024) } ?? "-" }
        func ms(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "-" }
        for r in rows where r.server.isOurs {
            let perViewer = r.idleRSSKiB.flatMap { idle in r.peakRSSKiB.map { ($0 - idle) / max(1, r.viewers ?? 1) } }
            cells.append([r.workload.rawValue, r.serverName, screen, "\(r.viewers ?? 1)", String(format: "%.2f", r.serverCPUSeconds),
                          "\(r.bytesServerToClient)", mib(r.idleRSSKiB), mib(r.peakRSSKiB), mib(perViewer),
                          r.frameTimes.map { "\($0.updates)" } ?? "-", ms(r.frameTimes?.captureMilliseconds),
                          ms(r.frameTimes?.detectMilliseconds), ms(r.frameTimes?.encodeMilliseconds)])
        }
        let widths = header.indices.map { i in cells.map { $0[i].count }.max() ?? 0 }
        var lines: [String] = []
        for (n, row) in cells.enumerated() {
            lines.append(row.indices.map { i in
                i >= 3 ? String(repeating: " ", count: widths[i] - row[i].count) + row[i]
                    : row[i] + String(repeating: " ", count: widths[i] - row[i].count)
            }.joined(separator: "  "))
            if n == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        return lines.joined(separator: "\n")
    }
}
