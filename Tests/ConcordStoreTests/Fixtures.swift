import ConcordNN
import Foundation

@testable import ConcordFederation

/// Records, checkpoints and scratch files for the store's tests.
enum Fixtures {
    static let layout = ParameterLayout([
        .init(name: "dense.weight", shape: [2, 3]), .init(name: "dense.bias", shape: [2]),
    ])

    /// Values no JSON round trip would keep: NaNs with payloads, signed zeros, subnormals, infinities.
    static let oddValues: [Float] = [
        .nan, Float(bitPattern: 0x7fc0_1234), Float(bitPattern: 0xffbf_ffff), -0.0, .leastNonzeroMagnitude,
        Float(bitPattern: 0x807f_ffff), .infinity, -.greatestFiniteMagnitude,
    ]

    static func record(_ round: Int, accuracy: Double? = 0.5, error: String? = nil) -> RoundRecord {
        RoundRecord(
            round: round, sampled: [1, 4, 7], succeeded: error == nil ? 2 : 0,
            failures: [ParticipantFailure(participant: 7, reason: "missed the round deadline")], error: error,
            evaluation: accuracy.map { EvaluationResult(loss: 1.25 / Double(round), accuracy: $0, exampleCount: 200) },
            evaluationError: nil, federatedEvaluation: nil,
            metrics: ["train_loss": 0.75 / Double(round), "clip_fraction": .infinity], fitSeconds: 1.5,
            aggregateSeconds: 0.01, evaluateSeconds: 0.2, seconds: 1.71)
    }

    static func checkpoint(
        values: [Float], layout: ParameterLayout = layout, state: Data = Data("{\"m\":[0.5]}".utf8)
    ) throws -> Checkpoint {
        Checkpoint(
            parameters: try Parameters(layout: layout, values: values), strategyType: "FedOpt<WeightedMean, FedAdam>",
            strategyState: state, history: [])
    }

    /// A fresh directory, removed when `body` returns.
    static func withDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "concord-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }
}

extension Parameters {
    /// The values' bit patterns: equal when the values are bit-for-bit the same, NaNs included.
    var bits: [UInt32] { values.map(\.bitPattern) }
}
