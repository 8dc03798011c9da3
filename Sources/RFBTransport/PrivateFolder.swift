#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A folder only we may write to (the snapshots folder, which holds pictures of a desktop and the chat).
public enum PrivateFolder {
    /// Creates `path` with mode 0700 when it is missing (missing parents too, each 0700), then checks the
    /// folder: it must be a folder, owned by the effective user, and not writable by group or others.
    /// A symbolic link is resolved and the real folder checked. Returns the real folder's absolute path.
    @discardableResult
    public static func prepare(_ path: String, purpose: String) throws -> String {
        func failure(_ problem: PrivateFolderError.Problem, real: String? = nil) -> PrivateFolderError {
            PrivateFolderError(purpose: purpose, path: path, realPath: real ?? path, problem: problem)
        }
        guard !path.isEmpty else { throw failure(.unusable("empty path")) }
        var st = stat()
        if lstat(path, &st) != 0 {
            guard errno == ENOENT else { throw failure(.unusable(errnoText())) }
            if let reason = makeFolders(path) { throw failure(.cannotCreate(reason)) }
            guard lstat(path, &st) == 0 else { throw failure(.unusable(errnoText())) }
        }
        let isLink = UInt32(st.st_mode) & UInt32(S_IFMT) == UInt32(S_IFLNK)
        guard let resolved = realpath(path, nil) else { throw failure(.unusable(errnoText())) }
        let absolute = String(cString: resolved)
        free(resolved)
        // Messages name the link's target only when `path` itself is a link.
        let real = isLink ? absolute : path
        guard lstat(absolute, &st) == 0 else { throw failure(.unusable(errnoText()), real: real) }
        guard UInt32(st.st_mode) & UInt32(S_IFMT) == UInt32(S_IFDIR) else { throw failure(.notAFolder, real: real) }
        guard st.st_uid == geteuid() else { throw failure(.ownedByAnotherUser(uid: UInt32(st.st_uid)), real: real) }
        let mode = UInt32(st.st_mode) & 0o7777
        guard mode & 0o022 == 0 else { throw failure(.writableByOthers(mode: mode), real: real) }
        return absolute
    }

    /// mkdir -p with mode 0700 for every folder it makes; nil on success, else the reason.
    private static func makeFolders(_ path: String) -> String? {
        let parent = SecureFile.folder(of: path)
        var st = stat()
        if parent != path && parent != "/" && parent != "." && lstat(parent, &st) != 0 {
            guard errno == ENOENT else { return "\(parent): \(errnoText())" }
            if let reason = makeFolders(parent) { return reason }
        }
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else { return errnoText() }
        return nil
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// Why a folder that must be private cannot be used; the description is the whole message.
public struct PrivateFolderError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Problem: Equatable, Sendable {
        case cannotCreate(String)
        case unusable(String)
        case notAFolder
        case ownedByAnotherUser(uid: UInt32)
        case writableByOthers(mode: UInt32)
    }
    /// What the folder is for, as a noun phrase: "the snapshots folder".
    public let purpose: String
    /// The path as given, and the real folder it resolves to (the same unless a symbolic link is involved).
    public let path: String
    public let realPath: String
    public let problem: Problem
    /// The command-line option that chooses another folder ("--snapshots"), named in the advice.
    public var option: String?

    public init(purpose: String, path: String, realPath: String, problem: Problem, option: String? = nil) {
        self.purpose = purpose
        self.path = path
        self.realPath = realPath
        self.problem = problem
        self.option = option
    }

    /// The same error, advising `option` to choose another folder.
    public func suggesting(_ option: String) -> PrivateFolderError {
        var copy = self
        copy.option = option
        return copy
    }

    public var description: String {
        let shown = realPath == path ? path : "\(path) (a link to \(realPath))"
        let another = option.map { "choose another with \($0)" } ?? "choose another folder"
        switch problem {
        case .cannotCreate(let reason):
            return "cannot create \(purpose) \(path): \(reason)"
        case .unusable(let reason):
            return "cannot use \(purpose) \(shown): \(reason)"
        case .notAFolder:
            return "\(purpose) \(shown) is not a folder: \(another)"
        case .ownedByAnotherUser(let uid):
            return "\(purpose) \(shown) belongs to another user (uid \(uid)): \(another)"
        case .writableByOthers(let mode):
            return "\(purpose) \(shown) is writable by other users (mode \(SecureFile.octal(mode))): "
                + "\(another) or run chmod 700 \(realPath)"
        }
    }
}
