import ConcordFederation
import ConcordServer
import ConcordStore
import Foundation
import Testing

/// A run that fails once its row exists is marked failed in the store with the reason, not left running.
@Suite("A federation run that fails at start")
struct FederationRunFailureTests {
    struct Refused: Error, CustomStringConvertible {
        var description: String { "the port file cannot be written" }
    }

    static func run(model: String, store: any RunStore, evaluation: URL) throws -> FederationRun {
        let path = try FederationConfigTests.write(
            """
            run: trial
            model: \(model)
            rounds: 1
            participants: [alpha]
            listen: 127.0.0.1:0
            evaluation: \(evaluation.path)
            """)
        let config = try FederationConfig.load(path: path).config
        return try FederationRun(
            config: config, configurationText: model, plan: config.plan(), security: .insecure,
            openStore: { store }, log: { _ in })
    }

    @Test("a model too large for memory: the run is failed, with the model's refusal as its reason")
    func modelTooLarge() async throws {
        let evaluation = try FederationRunTests.evaluationFolder()
        defer { try? FileManager.default.removeItem(at: evaluation) }
        let store = try SQLiteRunStore.inMemory()
        let run = try Self.run(model: "mlp:65536", store: store, evaluation: evaluation)
        await #expect(throws: (any Error).self) { _ = try await run.run() }
        let stored = try #require(try store.runs().first)
        #expect(stored.state == .failed)
        #expect(stored.reason?.hasPrefix("model 'mlp:65536' has 4,347,133,962 parameters") == true, "\(stored)")
    }

    @Test("an error after the model is made (here from onListening) fails the run too")
    func errorAfterTheModel() async throws {
        let evaluation = try FederationRunTests.evaluationFolder()
        defer { try? FileManager.default.removeItem(at: evaluation) }
        let store = try SQLiteRunStore.inMemory()
        let run = try Self.run(model: "logreg", store: store, evaluation: evaluation)
        await #expect(throws: Refused.self) { _ = try await run.run(onListening: { _ in throw Refused() }) }
        let stored = try #require(try store.runs().first)
        #expect(stored.state == .failed && stored.reason == "the port file cannot be written")
    }
}
