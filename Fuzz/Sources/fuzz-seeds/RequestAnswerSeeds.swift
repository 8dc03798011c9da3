import NIOCore
import RFBProtocol

/// Seeds of `fuzz-request-answer`: a control byte (read plan in bits 0-5), then what a listening viewer
/// sends after TLS: answers as `RequestAnswer.serialized()` writes them, and the ones it must refuse or
/// wait on (wrong type, text over 1024 bytes, invalid UTF-8, truncated).
enum RequestAnswerSeeds {
    static let t = "fuzz-request-answer"

    static func wire(_ answer: RequestAnswer) throws -> [UInt8] {
        Array(try answer.serialized().readableBytesView)
    }

    static func header(code: UInt8, length: UInt32, padding: [UInt8] = [0, 0]) -> [UInt8] {
        [RequestAnswer.messageType, code] + padding
            + [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
    }

    static func write(_ w: inout SeedWriter) throws {
        let accepted = try wire(.accepted())
        let busy = try wire(.refused(.busy, "alice is busy in another session"))
        try w.write(t, "accepted", [0] + accepted)
        try w.write(t, "accepted-with-text", [0] + (try wire(.accepted("on my way"))))
        try w.write(t, "declined", [0] + (try wire(.refused(.declined, "not now"))))
        try w.write(t, "busy-bytewise", [1] + busy)
        try w.write(t, "timeout-cut", [0x25] + (try wire(.refused(.timeout, ""))))
        try w.write(t, "unknown-code", [0] + (try wire(.refused(SessionEnd.Reason(rawValue: 200), "newer peer"))))
        try w.write(t, "longest-text", [7] + (try wire(.refused(.declined, String(repeating: "é", count: 512)))))
        try w.write(t, "two-answers-and-more", [3] + accepted + busy + [0, 0, 0, 1])
        try w.write(t, "truncated", [2] + busy.dropLast(5))
        try w.write(t, "padding-set", [0] + header(code: 3, length: 2, padding: [0xFF, 0x01]) + Array("no".utf8))
        try w.write(t, "wrong-type", [0] + [212] + busy.dropFirst())
        try w.write(t, "text-too-long", [0] + header(code: 4, length: 1025) + [UInt8](repeating: 0x61, count: 16))
        try w.write(t, "invalid-utf8", [0] + header(code: 5, length: 4) + [0x61, 0xC3, 0x28, 0xFF])
        try w.write(t, "empty", [0])
    }
}
