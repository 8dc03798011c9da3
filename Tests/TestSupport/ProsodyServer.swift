import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private Prosody XMPP server for one test class: its own folder (config, data, certificate, log,
/// pidfile), 127.0.0.1 only, free ports for c2s and the proxy65 component, STARTTLS required with a
/// self-signed certificate for the host and `proxy.HOST` (made with openssl; `caFile` is that certificate),
/// SCRAM-SHA-256 (`password_hash = "SHA-256"`). Started in the foreground, stopped by its PID; the folder is
/// deleted. It never uses the system instance's config, data or ports. `.ci/setup` installs prosody.
public final class ProsodyServer: @unchecked Sendable {
    public let host: String
    public var proxyHost: String { "proxy.\(host)" }
    public let c2sPort: Int
    public let proxyPort: Int
    public let folder: URL
    public var configPath: String { folder.appendingPathComponent("prosody.cfg.lua").path }
    /// The server certificate, which is its own CA (self-signed).
    public var caFile: String { folder.appendingPathComponent("certs/\(host).crt").path }
    /// The private key of that certificate.
    public var keyFile: String { folder.appendingPathComponent("certs/\(host).key").path }
    public var logPath: String { folder.appendingPathComponent("prosody.log").path }
    /// Prosody's network backend: "select" (the fixture's default) or "epoll" (Prosody 0.12's default,
    /// what most real servers run).
    public let backend: String
    private var process: Process

    public enum Failure: Error, CustomStringConvertible {
        case notInstalled(String)
        case failed(String)
        public var description: String {
            switch self {
            case .notInstalled(let what): return "\(what) is not installed (apt-get install prosody openssl, or run .ci/setup)"
            case .failed(let why): return "Prosody fixture: \(why)"
            }
        }
    }

    /// A port that was free a moment ago (bound to 127.0.0.1:0, then closed).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.failed("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw Failure.failed("bind: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw Failure.failed("getsockname: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Makes a self-signed P-256 certificate for `names` (the first is the subject) in `folder`.
    public static func makeCertificate(names: [String], keyPath: String, certificatePath: String) throws {
        guard let openssl = XvfbServer.findExecutable("openssl") else { throw Failure.notInstalled("openssl") }
        let san = names.map { "DNS:\($0)" }.joined(separator: ",")
        let r = try runProcess(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                         "-keyout", keyPath, "-out", certificatePath, "-days", "2",
                                         "-subj", "/CN=\(names[0])", "-addext", "subjectAltName=\(san)"])
        guard r.status == 0 else { throw Failure.failed("openssl: \(r.stderr)") }
    }

    /// `passwordHash`: "SHA-256" (SCRAM-SHA-256 offered) or "SHA-1" (Prosody's default: SCRAM-SHA-1 only).
    /// `backend`: "select" or "epoll" (see `backend`).
    /// `proxyACL`: who may use the proxy (Prosody's `proxy65_acl`; default: every account of the host).
    public init(host: String = "xmpp.test", passwordHash: String = "SHA-256", backend: String = "select",
                proxyACL: [String]? = nil) throws {
        precondition(backend == "select" || backend == "epoll", "a Prosody network backend")
        self.backend = backend
        guard let prosody = ["/usr/bin/prosody", "/usr/sbin/prosody"].first(where: FileManager.default.isExecutableFile)
            ?? XvfbServer.findExecutable("prosody") else { throw Failure.notInstalled("prosody") }
        self.host = host
        folder = try makeTemporaryDirectory("prosody")
        c2sPort = try Self.freePort()
        var p = try Self.freePort()
        while p == c2sPort { p = try Self.freePort() }
        proxyPort = p
        let certs = folder.appendingPathComponent("certs"), data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: certs, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let key = certs.appendingPathComponent("\(host).key").path
        try Self.makeCertificate(names: [host, "proxy.\(host)"], keyPath: key, certificatePath: certs.appendingPathComponent("\(host).crt").path)
        let dir = folder.path
        let config = """
            -- Generated by the tests: a private server on 127.0.0.1 only.
            daemonize = false
            -- Prosody 0.12's epoll backend holds the tail of a proxy65 relay: mod_proxy65 links the two
            -- sockets with reads of 4096 bytes, LuaSocket reads up to 8192 from the kernel into its
            -- own buffer, and `resume` after a drain waits for the kernel socket to be readable, so the
            -- last bytes of a burst sit in LuaSocket's buffer until more bytes arrive (measured:
            -- 61440 of 65536 every time). The select backend reads them. Our relay framing
            -- (RelayFrameHandler) works with both. See README, XMPP.
            network_backend = "\(backend)"
            \(getuid() == 0 ? "run_as_root = true" : "")
            pidfile = "\(dir)/prosody.pid"
            data_path = "\(data.path)"
            certificates = "\(certs.path)"
            interfaces = { "127.0.0.1" }
            local_interfaces = { "127.0.0.1" }
            c2s_ports = { \(c2sPort) }
            c2s_direct_tls_ports = { }
            legacy_ssl_ports = { }
            s2s_ports = { }
            s2s_direct_tls_ports = { }
            http_ports = { }
            https_ports = { }
            proxy65_ports = { \(proxyPort) }
            proxy65_interfaces = { "127.0.0.1" }
            authentication = "internal_hashed"
            password_hash = "\(passwordHash)"
            c2s_require_encryption = true
            allow_registration = false
            log = { debug = "\(dir)/prosody.log" }
            modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping"; "posix" }
            ssl = { key = "\(key)"; certificate = "\(certs.path)/\(host).crt" }
            VirtualHost "\(host)"
            Component "proxy.\(host)" "proxy65"
                proxy65_address = "127.0.0.1"
                proxy65_acl = { \((proxyACL ?? [host]).map { "\"\($0)\"" }.joined(separator: ", ")) }

            """
        let configFile = folder.appendingPathComponent("prosody.cfg.lua").path
        try config.write(toFile: configFile, atomically: true, encoding: .utf8)
        process = Process()
        try launch(prosody)
    }

    private var executable: String { process.executableURL?.path ?? "/usr/bin/prosody" }

    /// Starts Prosody with the generated config and waits until c2s accepts a connection.
    private func launch(_ prosody: String) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: prosody)
        process.arguments = ["--config", configPath]
        process.currentDirectoryURL = folder
        let out = FileHandle(forWritingAtPath: "/dev/null") ?? FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let connected = fd >= 0 && connectLoopback(fd, port: c2sPort) == 0
            if fd >= 0 { close(fd) }
            if connected { return }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        stop()
        throw Failure.failed("did not start: \(log.suffix(2000))")
    }

    /// Stops the server process (SIGTERM, SIGKILL after 1 s), keeping its folder, so that `start` brings
    /// the same server back on the same ports with the same accounts.
    public func kill() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(1)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    /// Starts the server again after `kill` (same config, ports, accounts).
    public func start() throws {
        guard !process.isRunning else { return }
        try launch(executable)
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) the server: its connections stay open but nothing answers,
    /// as on a dead link.
    public func freeze(_ frozen: Bool) {
        if process.isRunning { Glibc.kill(process.processIdentifier, frozen ? SIGSTOP : SIGCONT) }
    }

    public var pid: Int32 { process.processIdentifier }

    /// Registers an account with prosodyctl (the same config, so the same data folder).
    public func register(_ user: String, password: String) throws {
        guard let prosodyctl = ["/usr/bin/prosodyctl", "/usr/sbin/prosodyctl"].first(where: FileManager.default.isExecutableFile)
            ?? XvfbServer.findExecutable("prosodyctl") else { throw Failure.notInstalled("prosodyctl") }
        let r = try runProcess(prosodyctl, ["--config", configPath, "register", user, host, password])
        guard r.status == 0 else { throw Failure.failed("prosodyctl register \(user): \(r.stdout) \(r.stderr)") }
    }

    /// Stops the server by its PID (SIGTERM, SIGKILL after 1 s: started from a test thread that blocks
    /// SIGTERM, it may inherit that mask) and deletes its folder.
    public func stop() {
        freeze(false)
        kill()
        try? FileManager.default.removeItem(at: folder)
    }

    deinit { stop() }
}
