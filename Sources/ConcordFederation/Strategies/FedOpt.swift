/// The family of strategies that train locally, aggregate the participants' parameters and let a server
/// optimiser step towards the aggregate (Reddi et al. 2021's FedOpt framework): FedAvg (weighted mean,
/// full step), FedProx (a proximal term in local training, partial work kept), FedAvgM, FedAdam, FedYogi,
/// FedAdagrad (server optimisers), and the robust aggregators (median, trimmed mean, Krum, Multi-Krum,
/// Bulyan), in any combination.
///
/// The strategy is a value: the server optimiser's moments are stored properties, so encoding the
/// strategy checkpoints it.
public struct FedOpt<Aggregator: UpdateAggregator, Optimizer: ServerOptimizer>: Strategy {
    /// Local training settings.
    public var local: LocalTraining
    /// How the participants' parameters combine.
    public var aggregator: Aggregator
    /// The server's step towards the aggregate.
    public var optimizer: Optimizer
    /// Simulated stragglers (none by default).
    public var stragglers: StragglerSimulation

    /// Creates the strategy.
    public init(
        local: LocalTraining, aggregator: Aggregator, optimizer: Optimizer, stragglers: StragglerSimulation = .none
    ) {
        self.local = local
        self.aggregator = aggregator
        self.optimizer = optimizer
        self.stragglers = stragglers
    }

    /// E.g. "mean + fedadam(η=0.01,…)", "fedprox(μ=1.0): mean + average".
    public var name: String {
        let base = "\(aggregator.name) + \(optimizer.name)"
        let partialWork = stragglers.fraction > 0 && stragglers.aggregatesPartialWork
        guard local.proximalMu > 0 || partialWork else {
            return stragglers.fraction > 0 ? base + " (drops stragglers)" : base
        }
        return "fedprox(μ=\(local.proximalMu)): " + base
    }

    /// Whether the aggregate is a weighted sum of the participants' parameters.
    public var aggregatesWeightedSum: Bool { aggregator.isWeightedSum }

    /// The same local settings for every participant, each with its own seed; stragglers get fewer
    /// epochs, or no work when the strategy drops them.
    public func configureFit(
        round: Int, parameters: Parameters, participants: [Int], seed: UInt64
    ) -> [Int: FitInstruction] {
        let partial = stragglers.stragglers(among: participants, epochs: local.epochs, seed: seed)
        let working = stragglers.aggregatesPartialWork ? participants : participants.filter { partial[$0] == nil }
        return local.instructions(
            round: round, parameters: parameters, participants: working, seed: seed, partialEpochs: partial)
    }

    /// Aggregates the participants' parameters and takes the server optimiser's step towards them.
    public mutating func aggregateFit(
        round: Int, current: Parameters, results: [FitResult],
        failures: [ParticipantFailure]
    ) throws -> AggregateResult {
        let target = try aggregator.aggregate(
            results.map(\.update.parameters.values), weights: results.map { Double($0.update.exampleCount) })
        let next = try optimizer.step(current: current.values, aggregate: target)
        return AggregateResult(
            parameters: try Parameters(layout: current.layout, values: next),
            metrics: WeightedMean.metrics(results))
    }
}
