import Foundation

/// A small blocking HTTP + WebSocket client for the tests (RFC 6455 framing, masked client frames),
/// on a real socket to 127.0.0.1. Used against the page server and against Chromium's DevTools.
public final class WebSocketClient: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }
    public let socket: RawSocket
    private var buffer: [UInt8] = []

    /// One HTTP response: status, headers (lowercased names), body.
    public struct Response {
        public var status: Int
        public var headers: [(String, String)]
        public var body: String
        public func header(_ name: String) -> [String] { headers.filter { $0.0 == name.lowercased() }.map { $0.1 } }
    }

    public init(port: Int, timeoutSeconds: Int = 10) throws {
        socket = try RawSocket(port: port, receiveTimeoutSeconds: timeoutSeconds)
    }

    /// Sends one GET (or any request line) with `headers`; returns the response head (and the body
    /// when it is not an upgrade).
    public static func request(port: Int, path: String, headers: [(String, String)], method: String = "GET") throws -> Response {
        let client = try WebSocketClient(port: port)
        return try client.send(path: path, headers: headers, method: method, readBody: true)
    }

    public func send(path: String, headers: [(String, String)], method: String = "GET", readBody: Bool) throws -> Response {
        var text = "\(method) \(path) HTTP/1.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        try socket.write(Array(text.utf8))
        var head = [UInt8]()
        while !(head.count >= 4 && head.suffix(4) == [13, 10, 13, 10]) {
            head += try socket.read(1)
            guard head.count < 65_536 else { throw Failure(description: "response head too long") }
        }
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard let statusLine = lines.first, statusLine.split(separator: " ").count >= 2,
              let status = Int(statusLine.split(separator: " ")[1]) else { throw Failure(description: "bad status line") }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var response = Response(status: status, headers: headers, body: "")
        if readBody, status != 101, let length = response.header("content-length").first.flatMap({ Int($0) }) {
            response.body = String(decoding: try socket.read(length), as: UTF8.self)
        }
        return response
    }

    /// Opens a WebSocket at `path` (101 expected); returns the response.
    public func upgrade(path: String, host: String, extra: [(String, String)]) throws -> Response {
        try send(path: path, headers: [("Host", host), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                                       ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13")] + extra,
                 readBody: false)
    }

    public enum Message {
        case text(String)
        case binary([UInt8])
        case close(code: Int)
    }

    /// Sends one masked frame (fin set unless told otherwise).
    public func sendFrame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true) throws {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        if payload.count < 126 { frame.append(0x80 | UInt8(payload.count)) }
        else if payload.count < 65_536 { frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] }
        else { frame.append(0x80 | 127); for i in (0..<8).reversed() { frame.append(UInt8(truncatingIfNeeded: payload.count >> (i * 8))) } }
        let mask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        frame += mask
        for (i, b) in payload.enumerated() { frame.append(b ^ mask[i % 4]) }
        try socket.write(frame)
    }

    public func sendText(_ text: String) throws { try sendFrame(opcode: 1, Array(text.utf8)) }

    /// The next whole message (server frames are not masked and not fragmented by our server;
    /// continuation frames are joined for Chromium).
    public func receive() throws -> Message {
        var opcode: UInt8 = 0
        var payload: [UInt8] = []
        while true {
            let head = try socket.read(2)
            var length = Int(head[1] & 0x7F)
            if length == 126 { let b = try socket.read(2); length = Int(b[0]) << 8 | Int(b[1]) }
            else if length == 127 { length = try socket.read(8).reduce(0) { $0 << 8 | Int($1) } }
            guard length < 1 << 28 else { throw Failure(description: "frame of \(length) bytes") }
            let masked = head[1] & 0x80 != 0
            let mask = masked ? try socket.read(4) : []
            var data = length > 0 ? try socket.read(length) : []
            if masked { for i in 0..<data.count { data[i] ^= mask[i % 4] } }
            let op = head[0] & 0x0F
            if op == 9 { try sendFrame(opcode: 10, data); continue }   // ping
            if op == 10 { continue }
            if op != 0 { opcode = op }
            payload += data
            if head[0] & 0x80 != 0 { break }
        }
        switch opcode {
        case 1: return .text(String(decoding: payload, as: UTF8.self))
        case 2: return .binary(payload)
        case 8: return .close(code: payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : 1005)
        default: throw Failure(description: "unexpected opcode \(opcode)")
        }
    }
}
