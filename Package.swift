// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Concord",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "concord", targets: ["concord"]),
        .library(name: "ConcordTensor", targets: ["ConcordTensor"]),
        .library(name: "ConcordNN", targets: ["ConcordNN"]),
        .library(name: "ConcordData", targets: ["ConcordData"]),
        .library(name: "ConcordFederation", targets: ["ConcordFederation"]),
        .library(name: "ConcordPrivacy", targets: ["ConcordPrivacy"]),
        .library(name: "ConcordTesting", targets: ["ConcordTesting"]),
        .library(name: "ConcordGovernance", targets: ["ConcordGovernance"]),
        .library(name: "ConcordStore", targets: ["ConcordStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .target(name: "ConcordTensor"),
        .target(name: "ConcordNN", dependencies: ["ConcordTensor"]),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(
            name: "ConcordData",
            dependencies: ["ConcordTensor", "CZlib"],
            resources: [.copy("Resources/mnist")]
        ),
        .target(name: "ConcordFederation", dependencies: ["ConcordTensor", "ConcordNN", "ConcordData"]),
        .target(
            name: "ConcordPrivacy",
            dependencies: [
                "ConcordTensor", "ConcordFederation",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(name: "ConcordTesting", dependencies: ["ConcordFederation", "ConcordNN"]),
        .target(
            name: "ConcordGovernance",
            dependencies: [
                "ConcordFederation", "ConcordNN", "ConcordPrivacy",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "ConcordStore",
            dependencies: [
                "ConcordFederation", "ConcordNN",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "concord",
            dependencies: [
                "ConcordTensor", "ConcordNN", "ConcordData", "ConcordFederation", "ConcordPrivacy",
                "ConcordGovernance",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ConcordTensorTests", dependencies: ["ConcordTensor"]),
        .testTarget(
            name: "ConcordNNTests",
            dependencies: ["ConcordNN", "ConcordData"],
            exclude: ["Fixtures/make_torch_cnn_step.py"],
            resources: [.copy("Fixtures/torch_cnn_step.safetensors")]
        ),
        .testTarget(name: "ConcordDataTests", dependencies: ["ConcordData"]),
        .testTarget(name: "ConcordFederationTests", dependencies: ["ConcordFederation", "ConcordTesting"]),
        .testTarget(
            name: "ConcordPrivacyTests",
            dependencies: ["ConcordPrivacy", "ConcordFederation", "ConcordTensor", "ConcordTesting"]),
        .testTarget(
            name: "ConcordGovernanceTests",
            dependencies: ["ConcordGovernance", "ConcordFederation", "ConcordNN", "ConcordPrivacy", "ConcordTesting"]
        ),
        .testTarget(name: "ConcordCLITests", dependencies: ["concord"]),
        .testTarget(
            name: "ConcordStoreTests",
            dependencies: [
                "ConcordStore", "ConcordFederation", "ConcordNN", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
