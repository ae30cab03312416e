import ConcordTensor

/// Federated Averaging (McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks from
/// Decentralized Data", Algorithm 1): every sampled participant runs E epochs of SGD with batch size B
/// from the global model, and the next global model is the average of theirs weighted by example count,
/// w ← Σ_k (n_k / n) w_k.
public struct FedAvg: Strategy, Codable {
    /// Local epochs E.
    public var localEpochs: Int
    /// Local batch size B (0 for the whole local dataset, the paper's B = ∞).
    public var batchSize: Int
    /// Local learning rate.
    public var learningRate: Float

    /// Creates the strategy.
    public init(localEpochs: Int, batchSize: Int, learningRate: Float) {
        self.localEpochs = localEpochs
        self.batchSize = batchSize
        self.learningRate = learningRate
    }

    /// The same settings for every participant, each with its own seed.
    public func configureFit(
        round: Int, parameters: Parameters, participants: [Int], seed: UInt64
    ) -> [Int: FitInstruction] {
        var instructions: [Int: FitInstruction] = [:]
        for participant in participants {
            let config = FitConfig(
                localEpochs: localEpochs, batchSize: batchSize, learningRate: learningRate,
                seed: Seeds.participant(seed, participant))
            instructions[participant] = FitInstruction(round: round, parameters: parameters, config: config)
        }
        return instructions
    }

    /// The example-weighted average of the participants' parameters.
    public mutating func aggregateFit(
        round: Int, current: Parameters, results: [FitResult],
        failures: [ParticipantFailure]
    ) throws -> AggregateResult {
        let average = try WeightedAverage.of(results, layout: current.layout)
        return AggregateResult(parameters: average, metrics: WeightedAverage.metrics(results))
    }
}

/// Seeds derived from a run's seed, so every draw of a run follows from it.
public enum Seeds {
    /// The seed of one round.
    public static func round(_ runSeed: UInt64, _ round: Int) -> UInt64 {
        var g = SeededGenerator(seed: runSeed).derived(UInt64(truncatingIfNeeded: round) &* 2 &+ 1)
        return g.next()
    }

    /// The seed of one participant's work in a round.
    public static func participant(_ roundSeed: UInt64, _ participant: Int) -> UInt64 {
        var g = SeededGenerator(seed: roundSeed).derived(UInt64(truncatingIfNeeded: participant))
        return g.next()
    }
}
