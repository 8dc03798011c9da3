import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Debian's Chromium, headless, driven over the DevTools protocol with ``WebSocketClient``: a private
/// profile folder, DevTools on 127.0.0.1 at a port it chooses, stopped by its PID.
public final class HeadlessChromium: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible { public let description: String }
    let process = Process()
    let profile: URL
    let devtools: WebSocketClient
    private var nextID = 1

    public static var executable: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `scale`: the device pixel ratio (2 for a HiDPI screen).
    public init(width: Int, height: Int, scale: Double = 1) throws {
        guard let executable = Self.executable else { throw Failure(description: "chromium is not installed (.ci/setup installs it)") }
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            "--window-size=\(width),\(height)", "--force-device-scale-factor=\(scale)", "--force-color-profile=srgb",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
            "--disable-background-networking", "--disable-component-update", "--disable-default-apps", "about:blank",
        ]
        let log = FileManager.default.createFile(atPath: profile.path + "/chromium.log", contents: nil)
        if log, let handle = FileHandle(forWritingAtPath: profile.path + "/chromium.log") {
            process.standardOutput = handle
            process.standardError = handle
        }
        try process.run()
        // Chromium writes the port it chose to DevToolsActivePort in the profile.
        var port: Int?
        let deadline = Date().addingTimeInterval(60)
        while port == nil, Date() < deadline {
            if let text = try? String(contentsOfFile: profile.path + "/DevToolsActivePort", encoding: .utf8),
               let first = text.split(separator: "\n").first { port = Int(first) }
            if port == nil { usleep(100_000) }
        }
        guard let port else {
            process.terminate()
            throw Failure(description: "chromium did not start DevTools within 60 s: \((try? String(contentsOfFile: profile.path + "/chromium.log", encoding: .utf8)) ?? "")")
        }
        var pagePath: String?
        while pagePath == nil, Date() < deadline {
            let list = try WebSocketClient.request(port: port, path: "/json/list", headers: [("Host", "127.0.0.1:\(port)")])
            if let targets = try? JSONSerialization.jsonObject(with: Data(list.body.utf8)) as? [[String: Any]],
               let page = targets.first(where: { $0["type"] as? String == "page" }),
               let url = page["webSocketDebuggerUrl"] as? String, let range = url.range(of: "/devtools/") {
                pagePath = String(url[range.lowerBound...])
            } else {
                usleep(100_000)
            }
        }
        guard let pagePath else { process.terminate(); throw Failure(description: "no page target in chromium") }
        devtools = try WebSocketClient(port: port, timeoutSeconds: 60)
        let upgrade = try devtools.upgrade(path: pagePath, host: "127.0.0.1:\(port)", extra: [])
        guard upgrade.status == 101 else { process.terminate(); throw Failure(description: "DevTools refused the WebSocket: \(upgrade.status)") }
    }

    public var pid: Int32 { process.processIdentifier }

    /// Calls a DevTools method; its result (events that arrive meanwhile are skipped).
    @discardableResult
    public func call(_ method: String, _ params: [String: Any] = [:]) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        let data = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": params])
        try devtools.sendText(String(decoding: data, as: UTF8.self))
        while true {
            guard case .text(let text) = try devtools.receive() else { throw Failure(description: "DevTools closed") }
            guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  object["id"] as? Int == id else { continue }
            if let error = object["error"] { throw Failure(description: "\(method): \(error)") }
            return object["result"] as? [String: Any] ?? [:]
        }
    }

    /// Evaluates JavaScript in the page (promises awaited); its value.
    public func evaluate(_ expression: String) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let exception = result["exceptionDetails"] { throw Failure(description: "\(expression.prefix(80)): \(exception)") }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Polls `expression` until it is true.
    public func waitFor(_ expression: String, timeout: Double = 20) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? evaluate(expression)) as? Bool == true { return true }
            usleep(100_000)
        }
        return false
    }

    /// A real mouse click at page coordinates.
    public func click(x: Double, y: Double) throws {
        for type in ["mousePressed", "mouseReleased"] {
            try call("Input.dispatchMouseEvent", ["type": type, "x": x, "y": y, "button": "left", "clickCount": 1])
        }
    }

    /// Clicks the middle of the element with this id.
    public func click(id: String) throws {
        guard let box = try evaluate("(() => { const r = document.getElementById('\(id)').getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()") as? [Double],
              box.count == 2 else { throw Failure(description: "no element \(id)") }
        try click(x: box[0], y: box[1])
    }

    /// Types `text` into the focused element as keyboard input, then presses Enter.
    public func type(_ text: String, pressEnter: Bool = true) throws {
        try call("Input.insertText", ["text": text])
        if pressEnter { try self.pressEnter() }
    }

    public func pressEnter() throws {
        try call("Input.dispatchKeyEvent", ["type": "keyDown", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"])
        try call("Input.dispatchKeyEvent", ["type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13])
    }

    /// A PNG screenshot of `clip` (page coordinates, CSS pixels at scale 1).
    public func screenshot(x: Double, y: Double, width: Double, height: Double) throws -> Data {
        let result = try call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true,
                                                          "clip": ["x": x, "y": y, "width": width, "height": height, "scale": 1]])
        guard let base64 = result["data"] as? String, let data = Data(base64Encoded: base64) else { throw Failure(description: "no screenshot") }
        return data
    }

    /// Stops Chromium (SIGTERM to its PID, SIGKILL after 10 s) and removes its profile.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning, Date() < deadline { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        }
        try? FileManager.default.removeItem(at: profile)
    }
}
