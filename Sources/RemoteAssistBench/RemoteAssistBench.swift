import ArgumentParser

struct RemoteAssistBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote-assist-bench",
        abstract: "Benchmarks of remote-assist's hot paths (build with -c release).",
        discussion: """
            Every figure is a median (and p95) over repeated runs, with a baseline measured in the same run.

            Examples:
              remote-assist-bench capture --display :1 --iterations 60
              remote-assist-bench session --json /tmp/session.json
            """,
        subcommands: [CaptureBench.self, SessionBench.self]
    )
}
