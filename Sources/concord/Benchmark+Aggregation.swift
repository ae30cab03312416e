import ConcordFederation
import ConcordNN
import ConcordPrivacy
import ConcordTensor

extension Benchmark {
    /// The aggregations `concord bench --cases aggregate` times, each over one round's results: 30
    /// participants' updates of the mlp (199,210 parameters), as in the README's attack experiments.
    static let aggregations: [(key: String, strategy: String)] = [
        ("mean", "fedavg"), ("median", "median"), ("trimmed_mean", "trimmed-mean:0.2"),
        ("krum", "krum:6"), ("multi_krum", "multi-krum:6,18"), ("bulyan", "bulyan:6"), ("fedadam", "fedadam"),
    ]

    /// Milliseconds per aggregation of one round (30 × 199,210), by aggregation, plus DP-FedAvg over the
    /// mean with the operating system's CSPRNG noise ("dp_mean").
    static func aggregationMilliseconds(seconds: Double, clock: Clock) throws -> [String: Double] {
        let layout = try ModelZoo.make("mlp", seed: 1).layout
        let participants = 30
        var g = SeededGenerator(seed: 3)
        let current = Parameters.zeros(layout)
        let results = try (0..<participants).map { id in
            FitResult(
                participant: id,
                update: ClientUpdate(
                    parameters: try Parameters(
                        layout: layout, values: (0..<layout.scalarCount).map { _ in g.nextUnitFloat() - 0.5 }),
                    exampleCount: 600))
        }
        let local = LocalTraining(epochs: 1, batchSize: 10, learningRate: 0.05)
        var timings: [String: Double] = [:]
        for (key, text) in aggregations {
            let strategy = try StrategySpecification(parsing: text).make(local: local)
            timings[key] = try time(strategy, current: current, results: results, seconds: seconds, clock: clock)
        }
        let dp = try DifferentiallyPrivate(
            FedAvg(localEpochs: 1, batchSize: 10, learningRate: 0.05), noiseMultiplier: 1, clipping: .fixed(1),
            clientSide: false, expectedParticipants: Double(participants), accountingSamplingRate: 0.3,
            ledger: try PrivacyLedger(delta: 1e-5, epsilonBudget: nil))
        timings["dp_mean"] = try time(dp, current: current, results: results, seconds: seconds, clock: clock)
        return timings
    }

    private static func time(
        _ strategy: some Strategy, current: Parameters, results: [FitResult], seconds: Double, clock: Clock
    ) throws -> Double {
        var round = 0
        return try medianSeconds(totalSeconds: seconds, clock: clock) {
            var copy = strategy
            round += 1
            _ = try copy.aggregateFit(round: round, current: current, results: results, failures: [])
        } * 1000
    }
}
