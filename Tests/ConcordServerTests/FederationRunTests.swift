import ConcordData
import ConcordFederation
import ConcordServer
import ConcordStore
import ConcordTensor
import ConcordWire
import Foundation
import Testing

@Suite("A federation run: retries, pauses, resumption")
struct FederationRunTests {
    /// MNIST-shaped examples, class k lighting row 2k + 4, with a little seeded noise.
    static func dataset(count: Int, seed: UInt64) -> Dataset {
        var generator = SeededGenerator(seed: seed)
        var features = [Float](repeating: 0, count: count * 784)
        var labels: [Int32] = []
        for index in 0..<count {
            let label = Int.random(in: 0..<10, using: &generator)
            labels.append(Int32(label))
            for column in 0..<28 { features[index * 784 + (2 * label + 4) * 28 + column] = 1 }
            features[index * 784 + Int.random(in: 0..<784, using: &generator)] =
                Float(Int.random(in: 1...255, using: &generator)) / 255
        }
        return Dataset(features: Tensor(shape: [count, 28, 28, 1], scalars: features), labels: labels, classCount: 10)
    }

    /// A folder with the four IDX files, for the coordinator's evaluation.
    static func evaluationFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concord-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try MNIST.writeTraining(dataset(count: 30, seed: 1), to: folder)
        let test = dataset(count: 20, seed: 2)
        try IDXReader.write(
            dimensions: [20, 28, 28], elements: test.features.scalars.map { UInt8(($0 * 255).rounded()) },
            to: folder.appendingPathComponent(MNIST.testImagesFile))
        try IDXReader.write(
            dimensions: [20], elements: test.labels.map { UInt8($0) },
            to: folder.appendingPathComponent(MNIST.testLabelsFile))
        return folder
    }

    static func config(port: Int, evaluation: String, rounds: Int) throws -> FederationConfig {
        let path = try FederationConfigTests.write(
            """
            run: trial
            model: logreg
            rounds: \(rounds)
            batch_size: 5
            min_fit_results: 2
            wait_for_participants: 1
            wait_timeout_seconds: 0.5
            max_retries: 1
            round_deadline_seconds: 10
            heartbeat_seconds: 0.5
            participants: [alpha, beta]
            listen: 127.0.0.1:\(port)
            evaluation: \(evaluation)
            """)
        return try FederationConfig.load(path: path).config
    }

    static func node(_ name: String, port: Int, seed: UInt64) -> Task<String, any Error> {
        let node = Node(
            settings: NodeSettings(
                host: "127.0.0.1", port: port, name: name, security: .insecure, data: dataset(count: 25, seed: seed)),
            log: { _ in })
        return Task { try await node.run() }
    }

    @Test("too few results: the round is retried, then the run pauses (with its reason) until all are back")
    func retriesThenPauses() async throws {
        let evaluation = try Self.evaluationFolder()
        defer { try? FileManager.default.removeItem(at: evaluation) }
        let store = try SQLiteRunStore.inMemory()
        let config = try Self.config(port: 0, evaluation: evaluation.path, rounds: 2)
        let run = try FederationRun(
            config: config, configurationText: "trial", plan: config.plan(), security: .insecure,
            openStore: { store }, log: { _ in })
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let running = Task { try await run.run(onListening: { listening.yield($0) }) }
        let port = try #require(await ports.first { _ in true })
        let alpha = Self.node("alpha", port: port, seed: 11)
        // With beta away, every try of round 1 has one result of the two required: retried, then paused.
        var paused: StoredRun?
        for _ in 0..<1200 where paused == nil {  // up to a minute: a loaded machine retries slowly
            try await Task.sleep(for: .milliseconds(50))
            paused = try store.runs().first { $0.state == .paused }
        }
        let reason = try #require(paused?.reason)
        #expect(reason.contains("round 1 failed") || reason.contains("waiting for participants"), "\(reason)")
        #expect(try store.rounds(run: paused?.id ?? 0).isEmpty)
        let beta = Self.node("beta", port: port, seed: 12)
        let outcome = try await running.value
        #expect(outcome.records.count == 2)
        #expect(outcome.records.allSatisfy { $0.succeeded == 2 })
        let final = try #require(try store.runs().first)
        #expect(final.state == .finished && final.completedRounds == 2)
        #expect(final.seed != nil, "a configuration without a seed gets one drawn and kept with the run")
        #expect(try store.participantStatuses(run: final.id).count == 2)
        _ = try? await alpha.value
        _ = try? await beta.value
    }
}
