// Writes the seed corpora of the fuzz targets into Fuzz/corpus/<target>/ (or the folder given as the
// first argument), from the golden vectors in codecs/ and from our own encoders, serializers and
// handshake state machines talking to each other. Run from anywhere: `swift run --package-path Fuzz fuzz-seeds`.
import Foundation

let fuzzDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let corpus = CommandLine.arguments.count > 1
    ? URL(fileURLWithPath: CommandLine.arguments[1]) : fuzzDirectory.appendingPathComponent("corpus")
let codecs = fuzzDirectory.deletingLastPathComponent().appendingPathComponent("codecs")

do {
    var writer = SeedWriter(root: corpus)
    try ViewerStreams.write(&writer)
    try AgentStreams.write(&writer)
    try DecoderSeeds.write(&writer, codecs: codecs)
    try PNGSeeds.write(&writer)
    try ContactsSeeds.write(&writer)
    try PeerTextSeeds.write(&writer)
    try RequestAnswerSeeds.write(&writer)
    try FileTransferSeeds.write(&writer)
    for (target, count) in writer.counts.sorted(by: { $0.key < $1.key }) {
        print("\(target): \(count) seeds")
    }
} catch {
    FileHandle.standardError.write(Data("fuzz-seeds: \(error)\n".utf8))
    exit(1)
}
