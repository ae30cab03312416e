import ConcordData
import ConcordFederation
import Foundation
import Testing

@Suite("Checkpoints: a resumed run continues exactly")
struct CheckpointTests {
    static let mnist: DatasetSplit? = try? MNIST.loadBundled()

    func simulation(_ strategy: any Strategy, resuming checkpoint: Checkpoint? = nil) throws -> Simulation {
        let split = try #require(Self.mnist)
        let partition = try ClientPartition(
            split.train.subset(0..<1000), clients: 10, scheme: .dirichlet(alpha: 0.5), seed: 5)
        let settings = SimulationSettings(
            model: "logreg", fraction: 0.3, localEpochs: 1, batchSize: 20, learningRate: 0.05, evalEvery: 2,
            seed: 9, concurrency: 2)
        return try Simulation(
            settings: settings, data: partition, test: split.test.subset(0..<200), strategy: strategy,
            resuming: checkpoint)
    }

    static let strategies: [String] = ["fedadam", "fedyogi", "fedavgm", "scaffold", "fedprox:0.1", "fedadagrad"]

    @Test(arguments: strategies)
    func resumingMidRunGivesTheUninterruptedRunsParameters(name: String) async throws {
        let local = LocalTraining(epochs: 1, batchSize: 20, learningRate: 0.05)
        func make() throws -> any Strategy {
            try StrategySpecification(parsing: name).make(local: local)
        }
        let uninterrupted = try simulation(make())
        _ = await uninterrupted.run(rounds: 4)

        let first = try simulation(make())
        _ = await first.run(rounds: 2)
        let saved = try JSONEncoder().encode(try await first.coordinator.checkpoint())
        let checkpoint = try JSONDecoder().decode(Checkpoint.self, from: saved)
        let resumed = try simulation(make(), resuming: checkpoint)
        _ = await resumed.run(rounds: 2)

        #expect(await resumed.coordinator.history.map(\.round) == [1, 2, 3, 4])
        #expect(await resumed.coordinator.parameters == uninterrupted.coordinator.parameters)
        let a = try JSONEncoder().encode(try await resumed.coordinator.checkpoint().strategyState)
        let b = try JSONEncoder().encode(try await uninterrupted.coordinator.checkpoint().strategyState)
        #expect(a == b, "the strategy's state (moments, control variates) continues identically")
    }

    @Test func aCheckpointOfAnotherStrategyTypeIsRefused() async throws {
        let local = LocalTraining(epochs: 1, batchSize: 20, learningRate: 0.05)
        let adam = try simulation(StrategySpecification(parsing: "fedadam").make(local: local))
        _ = await adam.run(rounds: 1)
        let checkpoint = try await adam.coordinator.checkpoint()
        let scaffold = try StrategySpecification(parsing: "scaffold").make(local: local)
        #expect(throws: FederationError.self) { try self.simulation(scaffold, resuming: checkpoint) }
    }
}
