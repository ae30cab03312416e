import ConcordTensor

/// Federated Averaging (McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks from
/// Decentralized Data", Algorithm 1): every sampled participant runs E epochs of SGD with batch size B
/// from the global model, and the next global model is the average of theirs weighted by example count,
/// w ← Σ_k (n_k / n) w_k.
public typealias FedAvg = FedOpt<WeightedMean, ServerAveraging>

extension FedOpt where Aggregator == WeightedMean, Optimizer == ServerAveraging {
    /// FedAvg with the given local settings; with simulated stragglers, it drops them as the FedProx
    /// paper's FedAvg baseline does.
    public init(localEpochs: Int, batchSize: Int, learningRate: Float, stragglerFraction: Double = 0) {
        self.init(
            local: LocalTraining(epochs: localEpochs, batchSize: batchSize, learningRate: learningRate),
            aggregator: WeightedMean(), optimizer: ServerAveraging(),
            stragglers: StragglerSimulation(fraction: stragglerFraction, aggregatesPartialWork: false))
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
