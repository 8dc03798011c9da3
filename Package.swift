// swift-tools-version:6.0
import PackageDescription

/// Layers (arrows point down only):
///   4 CLI       RemoteAssistCLI (remote-assist), RemoteAssistBench (remote-assist-bench), LiveView (the local page)
///   3 app       Agent, Viewer (connections: handshake, capture, decoding), SessionModel (the sessions as
///               the person sees them: records, queued questions, chat, logs)
///   2 adapters  X11Capture, PNGSnapshot, RFBTransport
///   1 protocol  RFBProtocol
///   0 pure      Pixels, TileCodec, PeerText, TerminalEditing
/// C libraries enter only through the system-library targets CXlib, CLibPNG, CZlib, CZstd.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")

let package = Package(
    name: "remote-assist",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "remote-assist", targets: ["RemoteAssistCLI"]),
        .executable(name: "remote-assist-bench", targets: ["RemoteAssistBench"]),
        // Libraries for the fuzz package in Fuzz/ (it builds them with sanitizers; see the README).
        .library(name: "Pixels", targets: ["Pixels"]),
        .library(name: "TileCodec", targets: ["TileCodec"]),
        .library(name: "RFBProtocol", targets: ["RFBProtocol"]),
        .library(name: "RFBTransport", targets: ["RFBTransport"]),
        .library(name: "PNGSnapshot", targets: ["PNGSnapshot"]),
        .library(name: "Agent", targets: ["Agent"]),
        .library(name: "Viewer", targets: ["Viewer"]),
        .library(name: "PeerText", targets: ["PeerText"]),
        .library(name: "XMPP", targets: ["XMPP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.3.0"),
    ],
    targets: [
        // C libraries.
        .systemLibrary(
            name: "CXlib", pkgConfig: "x11 xext xdamage xfixes xrandr",
            providers: [.apt(["libx11-dev", "libxext-dev", "libxdamage-dev", "libxfixes-dev", "libxrandr-dev"])]),
        .systemLibrary(name: "CLibPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),

        // Layer 0: pure values and codecs, no I/O.
        .target(name: "Pixels", swiftSettings: strict),
        // The one cleaner of text a peer sent, used by every layer that shows or stores such text.
        .target(name: "PeerText", swiftSettings: strict),
        .target(name: "TileCodec", dependencies: ["Pixels", "CZlib", "CZstd"], swiftSettings: strict),
        // The line being typed on an interactive terminal (keys in, line and events out), its scrolling
        // view, and word wrapping of printed lines: pure, so the CLI's terminal only reads and writes.
        .target(name: "TerminalEditing", swiftSettings: strict),

        // Layer 1: RFB messages and state machines (bytes in, actions out).
        .target(name: "RFBProtocol", dependencies: ["Pixels", "TileCodec", nioCore], swiftSettings: strict),

        // Layer 2: adapters.
        .target(name: "X11Capture", dependencies: ["Pixels", "CXlib"], swiftSettings: strict),
        .target(name: "PNGSnapshot", dependencies: ["Pixels", "CLibPNG"], swiftSettings: strict),
        .target(
            name: "RFBTransport",
            dependencies: [
                "RFBProtocol", "PeerText", nioCore,
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),  // TLSUserEvent (handshake completed)
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strict),

        // Layer 2: the XMPP client (contacts, presence, relay). Its pure parts (stanza reader and writer, SCRAM,
        // JIDs, XEP-0065 address and SOCKS5 bytes) are values without I/O; the client is thin NIO around them.
        .target(
            name: "XMPP",
            dependencies: [
                nioCore,
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),

        // Layer 3 (beside the sessions): contacts over XMPP: the account file, the pairing handshake (a
        // value), presence, and one login's worth of I/O around them.
        .target(
            name: "ContactNetwork",
            dependencies: ["XMPP", "RFBTransport", "PeerText", nioCore, .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),

        // Layer 3: the sessions.
        .target(
            name: "Agent",
            dependencies: [
                "Pixels", "TileCodec", "RFBProtocol", "RFBTransport", "X11Capture", nioCore,
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),
        .target(
            name: "Viewer",
            dependencies: [
                "Pixels", "TileCodec", "RFBProtocol", "RFBTransport", "PNGSnapshot", "PeerText", nioCore,
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),

        // Layer 3: the session model, the one source of truth the front-ends display.
        .target(
            name: "SessionModel",
            dependencies: ["Agent", "Viewer", "Pixels", "RFBProtocol", "RFBTransport", "PeerText"],
            swiftSettings: strict),

        // Layer 4 (beside the terminal): the local web page, a second view of the session model. An
        // HTTP + WebSocket server on 127.0.0.1 (NIOHTTP1, NIOWebSocket), its rules, and the frame feed.
        .target(
            name: "LiveView",
            dependencies: [
                "Pixels", "Viewer", "SessionModel", "PeerText", nioCore,
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            exclude: ["Assets"],
            swiftSettings: strict),

        // Layer 4: command lines.
        .executableTarget(
            name: "RemoteAssistCLI",
            dependencies: [
                "Pixels", "X11Capture", "PNGSnapshot", "Agent", "Viewer", "RFBProtocol", "RFBTransport",
                "SessionModel", "PeerText", "TerminalEditing", "LiveView", "ContactNetwork", "XMPP",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "RemoteAssistBench",
            dependencies: [
                // TestSupport: headless Chromium over DevTools for `page` (the live page's measurements).
                "Pixels", "TileCodec", "PNGSnapshot", "X11Capture", "Viewer", "Agent", "RFBProtocol", "RFBTransport", "TestSupport", "XMPP", "ContactNetwork", nioCore,
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        .target(name: "TestSupport", dependencies: ["CXlib", "Pixels"], path: "Tests/TestSupport"),
        .testTarget(name: "PixelsTests", dependencies: ["Pixels"]),
        .testTarget(name: "PeerTextTests", dependencies: ["PeerText"]),
        .testTarget(name: "TerminalEditingTests", dependencies: ["TerminalEditing"]),
        .testTarget(name: "SessionModelTests", dependencies: ["SessionModel", "Agent", "Viewer", "RFBProtocol", "RFBTransport", "Pixels"]),
        .testTarget(name: "TileCodecTests", dependencies: ["Pixels", "TileCodec"]),
        .testTarget(name: "RFBProtocolTests", dependencies: ["Pixels", "TileCodec", "RFBProtocol", nioCore]),
        .testTarget(
            name: "RFBTransportTests",
            dependencies: [
                "RFBProtocol", "RFBTransport", nioCore,
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        .testTarget(name: "PNGSnapshotTests", dependencies: ["Pixels", "PNGSnapshot"]),
        .testTarget(name: "AgentTests", dependencies: ["Agent", "RFBProtocol", "RFBTransport", "Pixels"]),
        .testTarget(name: "X11CaptureTests", dependencies: ["Pixels", "X11Capture", "CXlib", "PNGSnapshot", "TestSupport"]),
        .testTarget(
            name: "SessionTests",
            dependencies: ["Agent", "Viewer", "Pixels", "X11Capture", "RFBProtocol", "RFBTransport", "TestSupport", "XMPP",
                           nioCore, .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(name: "CLITests", dependencies: ["RemoteAssistCLI", "PNGSnapshot", "Pixels", "TestSupport", "X11Capture", "Viewer", "XMPP"]),
        .testTarget(
            name: "LiveViewTests",
            dependencies: ["LiveView", "Viewer", "Agent", "Pixels", "X11Capture", "RFBTransport", "SessionModel", "TestSupport",
                           nioCore, .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(
            name: "XMPPTests",
            dependencies: ["XMPP", "TestSupport", nioCore, .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl")]),
        .testTarget(
            name: "ContactNetworkTests",
            dependencies: ["ContactNetwork", "XMPP", "RFBTransport", "TestSupport"]),
        .testTarget(
            name: "InteropTests",
            dependencies: ["Agent", "Viewer", "Pixels", "X11Capture", "RFBTransport", "TestSupport",
                           nioCore, .product(name: "NIOPosix", package: "swift-nio")]),
    ],
    swiftLanguageModes: [.v6]
)
