import ConcordData
import ConcordFederation
import ConcordTensor
import Testing

@Suite("Simulation: learning, determinism across cores")
struct SimulationTests {
    static let mnist: DatasetSplit? = try? MNIST.loadBundled()

    func simulation(concurrency: Int, model: String = "logreg", scheme: PartitionScheme = .iid) throws -> Simulation {
        let split = try #require(Self.mnist)
        let train = split.train.subset(0..<2000), test = split.test.subset(0..<500)
        let partition = try ClientPartition(train, clients: 20, scheme: scheme, seed: 3)
        let settings = SimulationSettings(
            model: model, fraction: 0.25, localEpochs: 1, batchSize: 10,
            learningRate: 0.1, seed: 11, concurrency: concurrency)
        return try Simulation(settings: settings, data: partition, test: test)
    }

    @Test func theSameSeedGivesIdenticalParametersWhateverTheConcurrency() async throws {
        let one = try simulation(concurrency: 1, model: "mlp")
        let three = try simulation(concurrency: 3, model: "mlp")
        _ = await one.run(rounds: 3)
        _ = await three.run(rounds: 3)
        #expect(await one.coordinator.parameters == three.coordinator.parameters)
        #expect(await one.coordinator.history.map(\.sampled) == three.coordinator.history.map(\.sampled))
    }

    @Test func aDifferentSeedGivesADifferentRun() async throws {
        let split = try #require(Self.mnist)
        let partition = try ClientPartition(split.train.subset(0..<500), clients: 10, scheme: .iid, seed: 3)
        func run(_ seed: UInt64) async throws -> Parameters {
            let settings = SimulationSettings(
                model: "logreg", fraction: 0.5, localEpochs: 1, batchSize: 10,
                learningRate: 0.1, seed: seed, concurrency: 2)
            let s = try Simulation(settings: settings, data: partition, test: split.test.subset(0..<100))
            _ = await s.run(rounds: 1)
            return await s.coordinator.parameters
        }
        #expect(try await run(1) != run(2))
    }

    @Test func federatedTrainingLearnsAndStopsAtTheTarget() async throws {
        let s = try simulation(concurrency: 2, scheme: .shards(perClient: 2))
        let result = await s.run(rounds: 30, targetAccuracy: 0.7)
        let records = result.records
        #expect(result.outcome == .targetReached(round: records.count))
        let first = try #require(records.first?.evaluation?.accuracy)
        let last = try #require(records.last?.evaluation?.accuracy)
        #expect(last >= 0.7, "accuracy \(last) after \(records.count) rounds")
        #expect(records.count < 30, "stops at the first round reaching the target")
        #expect(last > first)
    }
}
