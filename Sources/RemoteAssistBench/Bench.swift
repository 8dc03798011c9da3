import ArgumentParser

@main
struct RemoteAssistBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote-assist-bench",
        abstract: "Benchmarks of remote-assist's pipeline on recorded desktop frames.",
        subcommands: [CodecBench.self, CaptureBench.self]
    )
}

/// A failure printed as one line, exit status 1.
struct BenchError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
