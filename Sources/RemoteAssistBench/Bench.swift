import ArgumentParser

@main
struct RemoteAssistBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote-assist-bench",
        abstract: "Benchmarks of remote-assist's hot paths (build with -c release).",
        discussion: """
            Every figure is a median (and p95) over repeated runs, or totals of one scripted run, with a
            baseline or a peer measured in the same run.

            Examples:
              remote-assist-bench codec --corpus ../shared/corpus
              taskset -c 1 remote-assist-bench decode --runs 3
              remote-assist-bench capture --display :1 --iterations 60
              remote-assist-bench session --json /tmp/session.json
              remote-assist-bench soak --sessions 100 --hostile 20
              remote-assist-bench files --runs 3
            """,
        subcommands: [CodecBench.self, DecodeBench.self, CaptureBench.self, SessionBench.self, SoakBench.self, FileBench.self, GrabFrames.self, PageBench.self, RelayBench.self]
    )
}

/// A failure printed as one line, exit status 1.
struct BenchError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
