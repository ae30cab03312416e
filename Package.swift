// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Concord",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "concord", targets: ["concord"]),
        .library(name: "ConcordTensor", targets: ["ConcordTensor"]),
        .library(name: "ConcordNN", targets: ["ConcordNN"]),
        .library(name: "ConcordData", targets: ["ConcordData"]),
        .library(name: "ConcordFederation", targets: ["ConcordFederation"]),
        .library(name: "ConcordPrivacy", targets: ["ConcordPrivacy"]),
        .library(name: "ConcordTesting", targets: ["ConcordTesting"]),
        .library(name: "ConcordGovernance", targets: ["ConcordGovernance"]),
        .library(name: "ConcordWire", targets: ["ConcordWire"]),
        .library(name: "ConcordStore", targets: ["ConcordStore"]),
        .library(name: "ConcordServer", targets: ["ConcordServer"]),
        .library(name: "ConcordPlan", targets: ["ConcordPlan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(name: "ConcordSystem"),
        .target(name: "ConcordTensor"),
        .target(name: "ConcordNN", dependencies: ["ConcordTensor", "ConcordSystem"]),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(
            name: "ConcordData",
            dependencies: ["ConcordTensor", "ConcordSystem", "CZlib"],
            resources: [.copy("Resources/mnist")]
        ),
        .target(name: "ConcordFederation", dependencies: ["ConcordTensor", "ConcordNN", "ConcordData"]),
        .target(
            name: "ConcordPrivacy",
            dependencies: [
                "ConcordTensor", "ConcordNN", "ConcordFederation",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(name: "ConcordTesting", dependencies: ["ConcordTensor", "ConcordFederation", "ConcordNN", "CZlib"]),
        .target(
            name: "ConcordGovernance",
            dependencies: [
                "ConcordFederation", "ConcordNN", "ConcordPrivacy", "ConcordSystem",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "ConcordPlan",
            dependencies: ["ConcordFederation", "ConcordNN", "ConcordData", "ConcordPrivacy", "ConcordGovernance"]),
        .target(
            name: "ConcordWire",
            dependencies: [
                "ConcordFederation", "ConcordNN", "ConcordData", "ConcordPrivacy", "ConcordSystem",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        .target(
            name: "ConcordStore",
            dependencies: [
                "ConcordFederation", "ConcordNN", "ConcordSystem",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "ConcordServer",
            dependencies: [
                "ConcordFederation", "ConcordNN", "ConcordData", "ConcordWire", "ConcordStore", "ConcordGovernance",
                "ConcordPlan",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "concord",
            dependencies: [
                "ConcordTensor", "ConcordNN", "ConcordData", "ConcordFederation", "ConcordPrivacy",
                "ConcordGovernance", "ConcordWire", "ConcordStore", "ConcordServer", "ConcordSystem", "ConcordPlan",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(name: "ConcordSystemTests", dependencies: ["ConcordSystem"]),
        .testTarget(name: "ConcordTensorTests", dependencies: ["ConcordTensor"]),
        .testTarget(
            name: "ConcordNNTests",
            dependencies: ["ConcordNN", "ConcordData", "ConcordSystem", "ConcordTesting"],
            exclude: ["Fixtures/make_torch_cnn_step.py"],
            resources: [.copy("Fixtures/torch_cnn_step.safetensors")]
        ),
        .testTarget(name: "ConcordDataTests", dependencies: ["ConcordData", "ConcordSystem", "ConcordTesting"]),
        .testTarget(
            name: "ConcordFederationTests", dependencies: ["ConcordFederation", "ConcordData", "ConcordTesting"],
            resources: [.copy("Resources/breast_cancer.csv")]),
        .testTarget(
            name: "ConcordPrivacyTests",
            dependencies: ["ConcordPrivacy", "ConcordFederation", "ConcordTensor", "ConcordTesting"]),
        .testTarget(
            name: "ConcordGovernanceTests",
            dependencies: ["ConcordGovernance", "ConcordFederation", "ConcordNN", "ConcordPrivacy", "ConcordTesting"]
        ),
        .testTarget(
            name: "ConcordWireTests",
            dependencies: [
                "ConcordWire", "ConcordFederation", "ConcordNN", "ConcordData", "ConcordTesting", "ConcordPrivacy",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "ConcordPlanTests",
            dependencies: ["ConcordPlan", "ConcordFederation", "ConcordPrivacy", "ConcordStore"]),
        .testTarget(
            name: "ConcordServerTests",
            dependencies: [
                "ConcordServer", "ConcordPlan", "ConcordStore", "ConcordWire", "ConcordFederation", "ConcordData",
                "ConcordTensor",
                "ConcordGovernance",
            ]
        ),
        .testTarget(
            name: "ConcordCLITests",
            dependencies: [
                "concord", "ConcordStore", "ConcordWire", "ConcordTesting", "ConcordData", "ConcordNN", "ConcordTensor",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "ConcordStoreTests",
            dependencies: [
                "ConcordStore", "ConcordFederation", "ConcordNN", "ConcordTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
