// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Concord",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ConcordCore", targets: ["ConcordCore"])
    ],
    targets: [
        // Model, changes, the three-way field merge, permissions, validation and CSV.
        // Pure: no I/O, no logging, no dependencies beyond Foundation's essentials.
        .target(name: "ConcordCore"),
        .testTarget(name: "ConcordCoreTests", dependencies: ["ConcordCore"]),
    ],
    swiftLanguageModes: [.v6]
)
