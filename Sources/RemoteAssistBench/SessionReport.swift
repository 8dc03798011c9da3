import Foundation

/// One measured (workload, server) pair.
struct SessionRow: Codable, Sendable {
    var workload: Workload
    var server: BenchServer
    var serverName: String
    var client: String
    /// Length of the measurement window: the workload plus the settle time.
    var seconds: Double
    var bytesServerToClient: Int
    var bytesClientToServer: Int
    var serverCPUSeconds: Double
    var finalPicture: PictureFiles.Difference
    var latency: LatencyStats?
    var error: String?
    /// With `--runs N`: every run's CPU seconds and bytes server to client (the row holds their medians).
    var cpuRuns: [Double]? = nil
    var bytesRuns: [Int]? = nil
    /// What the libvncclient probe received during the measurement (nil with our viewer).
    var counts: ClientCounts? = nil
    /// Build-log workloads: batches written x the terminal's window area (each batch scrolls all of it).
    var changedPixels: Int? = nil
    /// Viewers watching the server at once (`--viewers`; bytes are their sum, the picture the worst).
    var viewers: Int? = nil
    /// The server's resident memory before any viewer connected, and the most it was resident by the end.
    var idleRSSKiB: Int? = nil
    var peakRSSKiB: Int? = nil
    /// With `--frame-times`: what an update of our agent cost (from its trace lines).
    var frameTimes: FrameTimes? = nil

    /// Server CPU milliseconds per megapixel of the screen changed by the workload.
    var cpuMillisecondsPerChangedMegapixel: Double? {
        guard let changedPixels, changedPixels > 0 else { return nil }
        return serverCPUSeconds * 1000 / (Double(changedPixels) / 1_000_000)
    }

    /// One row for repeated runs of a workload and server: median CPU and bytes (of the runs without an
    /// error), the worst final picture, the latency of the median-CPU run; an error only if every run failed.
    static func median(of runs: [SessionRow]) -> SessionRow {
        let good = runs.filter { $0.error == nil }
        guard runs.count > 1, var row = good.sorted(by: { $0.serverCPUSeconds < $1.serverCPUSeconds }).dropFirst((good.count - 1) / 2).first
        else { return runs[0] }
        row.bytesServerToClient = good.map(\.bytesServerToClient).sorted()[(good.count - 1) / 2]
        row.bytesClientToServer = good.map(\.bytesClientToServer).sorted()[(good.count - 1) / 2]
        row.finalPicture = good.map(\.finalPicture).max { $0.pixels < $1.pixels } ?? row.finalPicture
        row.cpuRuns = runs.map { $0.error == nil ? $0.serverCPUSeconds : -1 }
        row.bytesRuns = runs.map { $0.error == nil ? $0.bytesServerToClient : -1 }
        return row
    }
}

/// Counts of the libvncclient probe over one measurement: the difference of its "counts" lines (SIGUSR1)
/// at the start and the end.
struct ClientCounts: Codable, Sendable {
    var updates: Int
    /// Rectangles with pixels or a copy (pseudo-rectangles not counted).
    var rects: Int
    var copies: Int
    /// Pixels of the rectangles that were not copies.
    var pixels: Int
    /// The most CopyRects in one update.
    var mostCopies: Int

    init(updates: Int, rects: Int, copies: Int, pixels: Int, mostCopies: Int) {
        self.updates = updates; self.rects = rects; self.copies = copies; self.pixels = pixels; self.mostCopies = mostCopies
    }

    init?(probeOutput: String) {
        let lines = probeOutput.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("counts ") }
            .map { $0.split(separator: " ").dropFirst().compactMap { Int($0) } }.filter { $0.count == 5 }
        guard lines.count >= 2 else { return nil }
        let a = lines[lines.count - 2], b = lines[lines.count - 1]
        self.init(updates: b[0] - a[0], rects: b[1] - a[1], copies: b[2] - a[2], pixels: b[3] - a[3], mostCopies: b[4])
    }

    var copiesPerUpdate: Double { updates > 0 ? Double(copies) / Double(updates) : 0 }
    var rectsPerUpdate: Double { updates > 0 ? Double(rects) / Double(updates) : 0 }
}

/// Change-to-viewer latency of the colour square: X server drew it (after XSync) to client decoded it.
struct LatencyStats: Codable, Sendable {
    var drawn: Int
    var seen: Int
    var p50Milliseconds: Double
    var p95Milliseconds: Double
    var maxMilliseconds: Double

    /// From the square's "draw T RRGGBB" lines and the probe's "watch T RRGGBB" lines.
    init?(drawLog: String, watchLog: String) {
        func parse(_ text: String, _ tag: String) -> [(Double, String)] {
            text.split(whereSeparator: \.isNewline).compactMap { line in
                let f = line.split(separator: " ")
                guard f.count == 3, f[0] == tag, let t = Double(f[1]) else { return nil }
                return (t, String(f[2]))
            }
        }
        let draws = parse(drawLog, "draw"), watches = parse(watchLog, "watch")
        guard !draws.isEmpty else { return nil }
        var seenAt: [String: Double] = [:]
        for (t, c) in watches where seenAt[c] == nil { seenAt[c] = t }
        let delays = draws.compactMap { d -> Double? in
            guard let t = seenAt[d.1] else { return nil }
            return max(0, t - d.0) * 1000
        }.sorted()
        drawn = draws.count
        seen = delays.count
        p50Milliseconds = percentile(delays, 50)
        p95Milliseconds = percentile(delays, 95)
        maxMilliseconds = delays.last ?? 0
    }
}

struct SessionReport: Codable, Sendable {
    var date: String
    var display: String
    var loadBefore: String
    var loadAfter: String
    var zrleEncodings: String
    var wallpaper: Bool
    /// The Xvfb screen, WIDTHxHEIGHT.
    var screen: String = "1920x1080"
    var rows: [SessionRow]

    /// The human table, then one verdict line per workload against the issue's targets.
    func table() -> String {
        var lines: [String] = []
        let header = ["workload", "server", "client", "s->c bytes", "c->s bytes", "CPU s", "final picture", "latency p50/p95/max ms (seen)",
                      "updates", "copies/upd (max)", "rects/upd", "CPU ms/changed MP"]
        var cells: [[String]] = [header]
        for r in rows {
            let picture = r.error.map { "error: \($0)" }
                ?? (r.finalPicture.exact ? "exact" : "\(r.finalPicture.pixels) px differ in \(r.finalPicture.box ?? "?")")
            let latency = r.latency.map {
                "\(format($0.p50Milliseconds))/\(format($0.p95Milliseconds))/\(format($0.maxMilliseconds)) (\($0.seen)/\($0.drawn))"
            } ?? "-"
            cells.append([r.workload.rawValue, r.serverName, r.client, megabytes(r.bytesServerToClient),
                          megabytes(r.bytesClientToServer), cpuText(r), picture, latency,
                          r.counts.map { "\($0.updates)" } ?? "-",
                          r.counts.map { String(format: "%.2f (%d)", $0.copiesPerUpdate, $0.mostCopies) } ?? "-",
                          r.counts.map { String(format: "%.2f", $0.rectsPerUpdate) } ?? "-",
                          r.cpuMillisecondsPerChangedMegapixel.map { String(format: "%.2f", $0) } ?? "-"])
        }
        let widths = header.indices.map { i in cells.map { $0[i].count }.max() ?? 0 }
        for (n, row) in cells.enumerated() {
            lines.append(row.indices.map { i in
                (i >= 3 && i <= 5) || i >= 8 ? String(repeating: " ", count: widths[i] - row[i].count) + row[i]
                    : row[i] + String(repeating: " ", count: widths[i] - row[i].count)
            }.joined(separator: "  "))
            if n == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        lines.append("")
        lines += verdicts()
        return lines.joined(separator: "\n")
    }

    /// The (median) CPU seconds, with the range of the runs when there were several.
    private func cpuText(_ r: SessionRow) -> String {
        let text = String(format: "%.2f", r.serverCPUSeconds)
        guard let all = r.cpuRuns?.filter({ $0 >= 0 }), all.count > 1, let lo = all.min(), let hi = all.max() else { return text }
        return text + String(format: " [%.2f-%.2f]", lo, hi)
    }

    private func megabytes(_ bytes: Int) -> String {
        bytes >= 100_000 ? String(format: "%.2f MB", Double(bytes) / 1_000_000) : String(format: "%.1f kB", Double(bytes) / 1000)
    }

    /// The issue's targets: ours (ZRLE) at most half the CPU and no more bytes than the better reference;
    /// tile-delta at most half the bytes and half the CPU of x11vnc (scroll, drag); idle CPU below both.
    private func verdicts() -> [String] {
        var out: [String] = []
        for workload in Workload.allCases {
            let of = rows.filter { $0.workload == workload && $0.error == nil }
            let refs = of.filter { !$0.server.isOurs }
            guard !refs.isEmpty else { continue }
            let bestCPU = refs.map(\.serverCPUSeconds).min() ?? 0
            let bestBytes = refs.map(\.bytesServerToClient).min() ?? 0
            if workload == .latency {
                let best = refs.compactMap { $0.latency?.p50Milliseconds }.min() ?? 0
                if let z = of.first(where: { $0.server == .agentZRLE }), let l = z.latency {
                    out.append("latency: agent-zrle p50 \(format(l.p50Milliseconds)) ms vs best reference \(format(best)) ms -> \(l.p50Milliseconds < best && l.seen == l.drawn ? "MET" : "MISSED") (target: below, every change seen)")
                }
                continue
            }
            if let z = of.first(where: { $0.server == .agentZRLE }) {
                if workload.batchesPerSecond != nil {
                    // Issue #16 goal 1: CPU at most half of each reference's, bytes at most half of the better
                    // one's, the final picture exact, at most 2 CopyRects in any update of the scrolling terminal.
                    let cpuOK = z.serverCPUSeconds <= bestCPU / 2, bytesOK = z.bytesServerToClient * 2 <= bestBytes
                    let copiesOK = (z.counts?.mostCopies ?? Int.max) <= 2
                    out.append("\(workload.rawValue): agent-zrle CPU \(String(format: "%.2f", z.serverCPUSeconds)) s vs half of best \(String(format: "%.2f", bestCPU / 2)) s -> \(cpuOK ? "MET" : "MISSED"); bytes \(megabytes(z.bytesServerToClient)) vs half of best \(megabytes(bestBytes / 2)) -> \(bytesOK ? "MET" : "MISSED"); final picture \(z.finalPicture.exact ? "exact -> MET" : "not exact -> MISSED"); most CopyRects in an update \(z.counts.map { "\($0.mostCopies)" } ?? "?") -> \(copiesOK ? "MET" : "MISSED") (target: at most 2)")
                } else if workload == .idle {
                    out.append("\(workload.rawValue): agent-zrle CPU \(String(format: "%.2f", z.serverCPUSeconds)) s vs best reference \(String(format: "%.2f", bestCPU)) s -> \(z.serverCPUSeconds < bestCPU || z.serverCPUSeconds == 0 ? "MET" : "MISSED") (target: below)")
                } else {
                    let cpuOK = z.serverCPUSeconds <= bestCPU / 2, bytesOK = z.bytesServerToClient <= bestBytes
                    out.append("\(workload.rawValue): agent-zrle CPU \(String(format: "%.2f", z.serverCPUSeconds)) s vs half of best \(String(format: "%.2f", bestCPU / 2)) s -> \(cpuOK ? "MET" : "MISSED"); bytes \(megabytes(z.bytesServerToClient)) vs \(megabytes(bestBytes)) -> \(bytesOK ? "MET" : "MISSED")")
                }
            }
            if let t = of.first(where: { $0.server == .agentTileDelta }), let x = of.first(where: { $0.server == .x11vnc }),
               workload == .scroll || workload == .drag {
                let cpuOK = t.serverCPUSeconds <= x.serverCPUSeconds / 2, bytesOK = t.bytesServerToClient * 2 <= x.bytesServerToClient
                out.append("\(workload.rawValue): agent-tile-delta vs half of x11vnc: CPU \(String(format: "%.2f", t.serverCPUSeconds)) / \(String(format: "%.2f", x.serverCPUSeconds / 2)) s -> \(cpuOK ? "MET" : "MISSED"); bytes \(megabytes(t.bytesServerToClient)) / \(megabytes(x.bytesServerToClient / 2)) -> \(bytesOK ? "MET" : "MISSED")")
            }
        }
        return out
    }
}
