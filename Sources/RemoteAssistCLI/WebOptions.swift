import ArgumentParser
import Foundation
import LiveView
import NIOCore
import RFBTransport
import SessionModel
#if canImport(Glibc)
import Glibc
#endif

/// `--web`, `--no-browser`, `--web-url-file`: the local page, a second view of the session.
struct WebOptions: ParsableArguments {
    @Flag(help: "Also show the session in a web page on this machine (127.0.0.1, a random port, a one-time link): the live picture, chat and End.")
    var web = false
    @Flag(help: "With --web: print the link instead of opening it with xdg-open.")
    var noBrowser = false
    @Option(help: ArgumentHelp("With --web: write the link (it holds the one-time token) to FILE, mode 0600.", valueName: "FILE"))
    var webURLFile: String?

    func validate() throws {
        if !web && (noBrowser || webURLFile != nil) { throw ValidationError("--no-browser and --web-url-file go with --web") }
    }

    /// The page server and its front-end, when --web was given; nil otherwise. The relay goes to the
    /// session terminal; `bind` the front-end to its model once that is made.
    func start(role: SessionRole, localName: String, console: Console, group: any EventLoopGroup,
               quit: @escaping @Sendable () -> Void) async throws -> (server: LiveServer, page: PageFrontEnd, relay: SessionOutputRelay)? {
        guard web else { return nil }
        let server: LiveServer
        do { server = try await LiveServer.start(group: group, assets: .page) } catch {
            throw CLIError("cannot serve the page on 127.0.0.1: \(error)")
        }
        let page = PageFrontEnd(server: server, role: role, localName: localName, quit: quit)
        let relay = SessionOutputRelay()
        relay.attach(page)
        if let webURLFile {
            do { try Self.writePrivate(webURLFile, server.url + "\n") } catch {
                await server.close()
                throw CLIError("cannot write --web-url-file \(webURLFile): \(error)")
            }
        }
        if !noBrowser, let opener = Self.browserOpener() {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: opener)
            process.arguments = [server.url]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            if (try? process.runWithSignalsUnblocked()) != nil {
                console.event("web", "the session's page is open in your browser (if not, open \(server.url) on this machine; the link works once)",
                              ["port": server.port])
                return (server, page, relay)
            }
        }
        console.event("web", "open \(server.url) in a browser on this machine to see the session (the link works once)",
                      ["port": server.port])
        return (server, page, relay)
    }

    /// `xdg-open`, when there is one and a desktop to open it on.
    static func browserOpener() -> String? {
        let environment = ProcessInfo.processInfo.environment
        guard environment["DISPLAY"] != nil || environment["WAYLAND_DISPLAY"] != nil else { return nil }
        for folder in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(folder)/xdg-open"
            if access(path, X_OK) == 0 { return path }
        }
        return nil
    }

    /// Writes `text` to `path`, mode 0600 from the first byte (an existing file is truncated and made 0600).
    static func writePrivate(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CLIError(String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0 else { throw CLIError(String(cString: strerror(errno))) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw CLIError(String(cString: strerror(errno))) }
    }
}
