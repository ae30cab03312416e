import ConcordFederation
import ConcordNN
import ConcordTesting
import Foundation
import Testing

@testable import ConcordStore

/// Seeded mutations of what the store reads back: a checkpoint's parameter blob and layout, its round records
/// and its strategy state. Each loads to a consistent value or throws ``StoreError``; none traps.
@Suite("Checkpoint fuzz")
struct CheckpointFuzzTests {
    static let iterations = FuzzSettings.iterations(inSuite: 2_000)
    static let place = "the checkpoint of run 1 in fuzz.sqlite"

    static let jsonDictionary: [[UInt8]] = [
        "{", "}", "[", "]", ",", ":", "\"", "-1", "0", "1e309", "\"nan\"", "\"inf\"", "null", "\"entries\"",
        "\"shape\"", "\"name\"", "1099511627776", "4611686018427387904", "9223372036854775807",
        "99999999999999999999", String(repeating: "[", count: 600),
    ].map { Array($0.utf8) }

    /// A blob as one input: the layout's JSON, a zero byte, then the parameter bytes.
    static func joined(_ blob: ParametersBlob) -> [UInt8] { Array(blob.layout.utf8) + [0] + [UInt8](blob.bytes) }

    @Test("mutated parameter blobs and layouts load to parameters that fill their layout, or throw")
    func parametersBlob() throws {
        let small = try ParametersBlob(Parameters(layout: Fixtures.layout, values: Fixtures.oddValues))
        let model = try ModelZoo.make("logreg", seed: 1)
        let zoo = try ParametersBlob(Parameters(model: model))
        let empty = try ParametersBlob(Parameters(layout: ParameterLayout([]), values: []))
        let report = fuzz(
            "checkpoint-blob", seeds: [small, zoo, empty].map(Self.joined), iterations: Self.iterations,
            dictionary: Self.jsonDictionary, maxLength: 1 << 17
        ) { input in
            let cut = input.firstIndex(of: 0) ?? input.endIndex
            let bytes = Data(input[min(cut + 1, input.endIndex)...])
            // The digest is recomputed so the mutations reach the decoding behind it.
            let blob = ParametersBlob(
                bytes: bytes, layout: String(decoding: input[..<cut], as: UTF8.self),
                sha256: ParametersBlob.digest(bytes))
            let parameters = try blob.parameters(place: Self.place)
            guard parameters.values.count == parameters.layout.scalarCount,
                parameters.layout.entries.allSatisfy({ $0.shape.allSatisfy { $0 >= 0 } })
            else { throw FuzzInvariantViolation("\(parameters.values.count) values for \(parameters.layout)") }
        }
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.accepted > 0 && report.refused > 0)
    }

    @Test("a blob whose digest does not match is refused, whatever its bytes")
    func digestMismatch() throws {
        let blob = try ParametersBlob(Parameters(layout: Fixtures.layout, values: Fixtures.oddValues))
        let report = fuzz("checkpoint-digest", seeds: [[UInt8](blob.bytes)], iterations: Self.iterations / 4) {
            input in
            let mutated = ParametersBlob(bytes: Data(input), layout: blob.layout, sha256: blob.sha256)
            _ = try mutated.parameters(place: Self.place)
            guard input == [UInt8](blob.bytes) else { throw FuzzInvariantViolation("changed bytes loaded") }
        }
        #expect(report.failures.isEmpty, "\(report.failures)")
    }

    @Test("mutated round records decode or throw")
    func roundRecords() throws {
        let seeds = try [Fixtures.record(1), Fixtures.record(2, accuracy: nil, error: "no quorum")].map {
            Array(try StoreJSON.text($0).utf8)
        }
        let report = fuzz(
            "checkpoint-record-json", seeds: seeds, iterations: Self.iterations, dictionary: Self.jsonDictionary
        ) { input in
            _ = try StoreJSON.decode(RoundRecord.self, from: String(decoding: input, as: UTF8.self), what: "fuzz")
        }
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.accepted > 0 && report.refused > 0)
    }

    @Test("mutated strategy states decode as their strategy or throw")
    func strategyStates() throws {
        let local = LocalTraining(epochs: 1, batchSize: 4, learningRate: 0.1)
        let fedAvg = FedAvg(localEpochs: 1, batchSize: 4, learningRate: 0.1)
        let adam = FedOpt(local: local, aggregator: TrimmedMean(beta: 0.1), optimizer: FedAdam(learningRate: 0.01))
        var scaffold = SCAFFOLD(local: local, store: InMemoryControlVariates())
        let parameters = try Parameters(layout: Fixtures.layout, values: Array(repeating: 0.5, count: 8))
        var update = ClientUpdate(parameters: parameters, exampleCount: 3, steps: 2)
        update.gradient = Array(repeating: 0.25, count: 8)
        _ = try scaffold.aggregateFit(
            round: 1, current: parameters, results: [FitResult(participant: 2, update: update)], failures: [])
        let checkpoints = try [
            Checkpoint(parameters: parameters, strategy: fedAvg, history: []),
            Checkpoint(parameters: parameters, strategy: adam, history: []),
            Checkpoint(parameters: parameters, strategy: scaffold, history: []),
        ]
        for (index, checkpoint) in checkpoints.enumerated() {
            let report = fuzz(
                "checkpoint-strategy-\(index)", seeds: [[UInt8](checkpoint.strategyState)],
                iterations: Self.iterations / 3, dictionary: Self.jsonDictionary
            ) { input in
                var mutated = checkpoint
                mutated.strategyState = Data(input)
                switch index {
                case 0: _ = try mutated.strategy(like: fedAvg)
                case 1: _ = try mutated.strategy(like: adam)
                default: _ = try mutated.strategy(like: scaffold)
                }
            }
            #expect(report.failures.isEmpty, "\(report.failures)")
        }
    }

    @Test("a layout that declares 2^40 floats over a 32-byte blob is refused before allocating")
    func hugeLayout() throws {
        let bytes = Data(count: 32)
        for shape in ["[1099511627776]", "[4611686018427387904, 4]", "[-1, -8]", "[1099511627776, 0]"] {
            let blob = ParametersBlob(
                bytes: bytes, layout: #"{"entries":[{"name":"w","shape":\#(shape)}]}"#,
                sha256: ParametersBlob.digest(bytes))
            let error = #expect(throws: StoreError.self) { try blob.parameters(place: Self.place) }
            #expect(error?.description.contains(Self.place) == true)
        }
    }
}
