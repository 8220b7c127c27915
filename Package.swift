// swift-tools-version: 6.2
import PackageDescription

/// Where concord-agent's link order is (see scripts/agent-symbol-order).
let agentSymbolOrder = Context.packageDirectory + "/deploy/agent-symbol-order.txt"

/// The codec and the wire are small modules whose generic code (a record's reader and writer,
/// the pull and push bodies) runs in every pull and push: release builds let their clients
/// inline and specialise it, as if it were their own. (Not the spec: its code inlined into
/// the agent cost 0.8 MiB of resident memory for no speed; docs/benchmarks.md, issue 11.)
let crossModuleOptimized: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))
]

let package = Package(
    name: "Concord",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ConcordCore", targets: ["ConcordCore"]),
        .library(name: "ConcordWire", targets: ["ConcordWire"]),
        .executable(name: "concord-hub", targets: ["concord-hub"]),
        .executable(name: "concord-agent", targets: ["concord-agent"]),
        .executable(name: "concordctl", targets: ["concordctl"]),
    ],
    dependencies: [
        // No traits: Hummingbird then needs only FoundationEssentials, which keeps the agent small.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-certificates.git", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", exact: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        // The hub's second store, for hosted hubs (issue 13): PostgreSQL.
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        // Tests only: property-based checks of every format.
        .package(url: "https://github.com/x-sheep/swift-property-based.git", exact: "2.0.1"),
    ],
    targets: [
        // Concord's JSON: the writer and reader every persisted and transmitted format goes
        // through, and `Shape`, the one declaration of a record's members that both of them
        // and Codable derive from. Knows nothing of the domain.
        .target(name: "ConcordCodec", swiftSettings: crossModuleOptimized),
        // The spec: model, changes, the three-way field merge, permissions, validation and CSV
        // (each record's JSON shape beside its type). Pure: no I/O, no logging.
        .target(name: "ConcordCore", dependencies: ["ConcordCodec"]),
        // The wire: the bodies of the hub's API, the agent's control API and the admin API.
        .target(
            name: "ConcordWire", dependencies: ["ConcordCore", "ConcordCodec"], swiftSettings: crossModuleOptimized),
        // The committee report: the plan as at a time, replayed from the audit trail with the
        // spec's merge, its scrutiny flags and what changed since a meeting; written as HTML,
        // Markdown and CSV. Pure: no I/O.
        .target(name: "ConcordReport", dependencies: ["ConcordCore", "ConcordCodec"]),

        // OpenSSL's libcrypto (libcurl loads it anyway): the protected-name digest.
        .systemLibrary(name: "CCrypto", providers: [.apt(["libssl-dev"])]),
        // What the agent and the hub both need to screen: a plan's protected names, kept as
        // salted SHA-256 digests so the list itself does not spread (issue 14).
        .target(name: "ConcordScreening", dependencies: ["ConcordCore", "CCrypto"]),

        // libcurl, with typed wrappers for its variadic setopt/getinfo.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // The HTTPS client of the agent and the CLI (and of the tests and benchmarks).
        .target(name: "ConcordHTTP", dependencies: ["CCurl"]),
        // JSON over that client: the one way Concord's clients talk to its servers.
        .target(name: "ConcordClient", dependencies: ["ConcordHTTP", "ConcordWire", "ConcordCodec"]),

        // sd_notify without libsystemd: READY=1, STATUS=, WATCHDOG=1 over $NOTIFY_SOCKET.
        .target(
            name: "ConcordSystemd",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // The hub: HTTPS API, auth, SQLite store, conflicts, certificates, metrics.
        .target(
            name: "ConcordHub",
            dependencies: [
                "ConcordCore", "ConcordWire", "ConcordCodec", "ConcordReport", "ConcordScreening",
                "ConcordSystemd",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        .executableTarget(
            name: "concord-hub",
            dependencies: [
                "ConcordHub",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // The agency's daemon: local store, sync, control API. Links no full Foundation.
        .target(
            name: "ConcordAgent",
            dependencies: [
                "ConcordCore", "ConcordWire", "ConcordCodec", "ConcordHTTP", "ConcordClient", "ConcordSystemd",
                "ConcordScreening", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "concord-agent",
            dependencies: [
                "ConcordAgent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: [
                // The daemon's resident memory (docs/benchmarks.md): lld packs the relative
                // relocations (RELR: 1.5 MiB of them were read at every start), folds identical
                // functions, places the functions that run together at the front
                // (deploy/agent-symbol-order.txt, from scripts/agent-symbol-order; lld warns of names
                // a stale list holds that the build no longer has), and the static Swift
                // runtime's symbols are not exported.
                .unsafeFlags(
                    [
                        "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                        "-Xlinker", "--icf=safe", "-Xlinker", "--no-export-dynamic",
                        "-Xlinker", "--symbol-ordering-file=\(agentSymbolOrder)",
                    ], .when(platforms: [.linux], configuration: .release))
            ]),

        // concordctl's commands, a library apart from its @main (the tests run the real binary).
        .target(
            name: "ConcordCLI",
            dependencies: [
                "ConcordCore", "ConcordWire", "ConcordCodec", "ConcordHTTP", "ConcordClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "concordctl", dependencies: ["ConcordCLI"]),

        // Benchmarks (run in release: swift run -c release concord-bench).
        .executableTarget(
            name: "concord-bench",
            dependencies: [
                "ConcordHub", "ConcordHTTP", "ConcordAgent", "ConcordTestSupport", "ConcordWire", "ConcordCodec",
                "ConcordReport", "ConcordClient", "ConcordScreening",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The simulated streaming clients of `concord-bench scale streams`.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),

        .testTarget(
            name: "ConcordCoreTests",
            dependencies: [
                "ConcordCore", "ConcordScreening", "ConcordWire", "ConcordCodec", "ConcordReport", "ConcordTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        // Real hubs and child processes for the tests (not shipped).
        .target(
            name: "ConcordTestSupport",
            dependencies: [
                "ConcordHub", "ConcordHTTP", "ConcordClient", "ConcordCore", "ConcordWire", "ConcordCodec",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "ConcordAgentTests",
            dependencies: [
                "ConcordAgent", "ConcordHub", "ConcordHTTP", "ConcordClient", "ConcordTestSupport", "ConcordWire",
                "ConcordCodec", .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "ConcordCLITests",
            dependencies: [
                "ConcordAgent", "ConcordHub", "ConcordTestSupport", "ConcordWire",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Snapshots"]),
        .testTarget(
            name: "ConcordHubTests",
            dependencies: [
                "ConcordHub", "ConcordHTTP", "ConcordTestSupport", "ConcordWire", "ConcordCodec",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
