// swift-tools-version:6.0
import PackageDescription

/// libFuzzer targets for remote-assist, kept out of the main package so its normal build is untouched.
/// Build (release, sanitizers) and run them with `bash .ci/fuzz`; see the README's "Fuzzing" section.
/// `fuzz-seeds` regenerates the seed corpora in `corpus/` (plain debug build: `swift run fuzz-seeds`).

/// SwiftPM names a path dependency after its folder, so the main package is known here by the name of
/// the folder that holds Fuzz/ (a clone may be called anything).
let main = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "remote-assist")

func product(_ name: String) -> Target.Dependency { .product(name: name, package: main) }
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "remote-assist-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        .target(name: "FuzzSupport", dependencies: [product("Pixels"), product("RFBProtocol"), nioCore],
                swiftSettings: strict),
        .executableTarget(
            name: "fuzz-server-protocol",
            dependencies: ["FuzzSupport", product("Pixels"), product("RFBProtocol"), product("Agent"),
                           product("Viewer"), nioCore],
            swiftSettings: strict),
        .executableTarget(
            name: "fuzz-client-protocol",
            dependencies: ["FuzzSupport", product("Pixels"), product("RFBProtocol"), product("Viewer"), nioCore],
            swiftSettings: strict),
        .executableTarget(
            name: "fuzz-decoders",
            dependencies: ["FuzzSupport", product("Pixels"), product("TileCodec"), product("RFBProtocol"),
                           product("Viewer"), nioCore],
            swiftSettings: strict),
        .executableTarget(name: "fuzz-contacts", dependencies: [product("RFBTransport")], swiftSettings: strict),
        .executableTarget(name: "fuzz-png", dependencies: [product("Pixels"), product("PNGSnapshot")],
                          swiftSettings: strict),
        .executableTarget(name: "fuzz-peer-text", dependencies: ["FuzzSupport", product("PeerText")],
                          swiftSettings: strict),
        .executableTarget(
            name: "fuzz-request-answer", dependencies: ["FuzzSupport", product("RFBProtocol"), nioCore],
            swiftSettings: strict),
        .executableTarget(name: "fuzz-xmpp-stanza", dependencies: ["FuzzSupport", product("XMPP")], swiftSettings: strict),
        .executableTarget(name: "fuzz-scram", dependencies: ["FuzzSupport", product("XMPP")], swiftSettings: strict),
        .executableTarget(name: "fuzz-relay-frame", dependencies: ["FuzzSupport", product("XMPP")], swiftSettings: strict),
        .executableTarget(
            name: "fuzz-file-transfer", dependencies: ["FuzzSupport", product("RFBProtocol"), nioCore],
            swiftSettings: strict),
        .executableTarget(
            name: "fuzz-seeds",
            dependencies: ["FuzzSupport", product("Pixels"), product("TileCodec"), product("RFBProtocol"),
                           product("PNGSnapshot"), product("RFBTransport"), product("Agent"), product("PeerText"), nioCore],
            swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
