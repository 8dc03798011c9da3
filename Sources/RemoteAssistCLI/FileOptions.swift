import Foundation
import ArgumentParser
import RFBTransport

/// Where files from the other side go and how large they may be; shared by view, listen, share, request.
struct FileOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Folder for files the other side sends (made private, mode 0700). Default: `received` in the snapshots folder (view, listen), ./remote-assist-received (share, request).", valueName: "DIR"))
    var downloads: String?

    @Option(help: ArgumentHelp("Largest file accepted from the other side: bytes, or with K, M, G (powers of 1024). Larger offers are declined without asking.", valueName: "SIZE"))
    var maxFileSize: String = "1G"

    /// A size that is not one is refused while the arguments are read, before anything is made.
    func validate() throws {
        guard Self.parseSize(maxFileSize) != nil else { throw ValidationError(Self.badSize(maxFileSize)) }
    }

    static func badSize(_ text: String) -> String {
        "--max-file-size \(text): give bytes, or a number with K, M or G (e.g. 500M, 2G)"
    }

    /// The folder and the limit; `fallback` is the command's default folder. A folder that exists is
    /// checked now (private, ours); a missing one is made (0700) only when a first file is accepted.
    func receiving(fallback: String) throws -> FileReceiving {
        guard let limit = Self.parseSize(maxFileSize) else {
            throw CLIError(Self.badSize(maxFileSize))
        }
        let path = downloads ?? fallback
        guard FileManager.default.fileExists(atPath: path) else { return FileReceiving(folder: path, maxFileSize: limit) }
        do {
            return FileReceiving(folder: try PrivateFolder.prepare(path, purpose: "the downloads folder"), maxFileSize: limit)
        } catch let problem as PrivateFolderError {
            throw CLIError(problem.suggesting("--downloads").description)
        }
    }

    /// "1048576", "512K", "500M", "2G" (powers of 1024); nil for anything else or 0.
    static func parseSize(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        var digits = trimmed
        var shift: Int64 = 0
        if let last = trimmed.last, let power = ["K": 10, "M": 20, "G": 30, "T": 40][String(last)] {
            digits = String(trimmed.dropLast())
            shift = Int64(power)
        }
        guard let value = Int64(digits), value > 0 else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? nil : bytes
    }
}
