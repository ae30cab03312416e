import ConcordData
import ConcordFederation
import ConcordNN
import ConcordTensor
import Testing

/// Regression targets travel the whole simulated path: a participant's view of a shared dataset, local training
/// with mean squared error, and the coordinator's pooled evaluation of the held-out targets.
@Suite("Simulation: regression with mean squared error")
struct RegressionSimulationTests {
    /// y = 3·x0 − 2·x1 + 1, noiseless.
    static func data(count: Int, seed: UInt64) -> Dataset {
        var g = SeededGenerator(seed: seed)
        var scalars: [Float] = [], targets: [Float] = []
        for _ in 0..<count {
            let a = Float(g.nextGaussian()), b = Float(g.nextGaussian())
            scalars += [a, b]
            targets.append(3 * a - 2 * b + 1)
        }
        return Dataset(features: Tensor(shape: [count, 2], scalars: scalars), targets: targets)
    }

    @Test func fedAvgFitsALinearMapFromViewsOfASharedDataset() async throws {
        let train = Self.data(count: 300, seed: 1), test = Self.data(count: 100, seed: 2)
        #expect(train.subset([4, 2]).targets == [train.targets![4], train.targets![2]])
        let partition = try ClientPartition(train, clients: 3, scheme: .iid, seed: 3)
        let settings = SimulationSettings(
            model: "described", fraction: 1, localEpochs: 2, batchSize: 10, learningRate: 0.05, seed: 4,
            concurrency: 2, modelDescription: ModelDescription(layers: [.init(type: "dense")], loss: .meanSquaredError))
        let simulation = try Simulation(settings: settings, data: partition, test: test)
        let result = await simulation.run(rounds: 10)
        let first = try #require(result.records.first?.evaluation)
        let last = try #require(result.records.last?.evaluation)
        #expect(last.loss < 1e-3 && last.loss < first.loss, "first \(first.loss), last \(last.loss)")
        #expect(last.exampleCount == 100 && last.binary == nil)
        let weights = await simulation.coordinator.parameters.values
        #expect(abs(weights[0] - 3) < 0.05 && abs(weights[1] + 2) < 0.05 && abs(weights[2] - 1) < 0.05, "\(weights)")
    }
}
