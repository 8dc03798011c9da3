/// The page's files as the server serves them (embedded in the binary: see `.ci/embed-page-assets`).
public struct PageAssets: Sendable {
    public struct File: Sendable {
        public let bytes: [UInt8]
        public let type: String
    }
    let files: [String: File]

    public init(files: [String: File]) { self.files = files }

    /// The page of both sides (the expert's view, the requester's panel): `/`, `/page.css`, `/page.js`.
    public static let page = PageAssets(files: [
        "/": File(bytes: Array((PageAssetFiles.indexHtml + "\n").utf8), type: "text/html; charset=utf-8"),
        "/page.css": File(bytes: Array((PageAssetFiles.pageCss + "\n").utf8), type: "text/css; charset=utf-8"),
        "/page.js": File(bytes: Array((PageAssetFiles.pageJs + "\n").utf8), type: "text/javascript; charset=utf-8"),
    ])

    public func file(_ path: String) -> File? { files[path] }
}
