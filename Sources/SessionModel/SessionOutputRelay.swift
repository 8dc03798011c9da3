import Synchronization

/// A front-end that displays the model's output (the page; the terminal is the model's own output).
public protocol SessionOutputSink: AnyObject, Sendable {
    func render(_ output: SessionOutput)
}

/// Passes the model's output on to front-ends attached after the model was made. Holds objects, not
/// closures (see `SessionTerminal` on closures read out of a `Mutex`).
public final class SessionOutputRelay: Sendable {
    private let sinks = Mutex<[any SessionOutputSink]>([])

    public init() {}

    public func attach(_ sink: any SessionOutputSink) { sinks.withLock { $0.append(sink) } }

    public func send(_ output: SessionOutput) {
        for sink in sinks.withLock({ $0 }) { sink.render(output) }
    }
}
