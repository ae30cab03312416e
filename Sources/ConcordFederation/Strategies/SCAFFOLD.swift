/// SCAFFOLD (Karimireddy et al. 2020, "SCAFFOLD: Stochastic Controlled Averaging for Federated
/// Learning", Algorithm 1 with option II): control variates correct the drift of local training on
/// heterogeneous data. Participant i takes local steps y ← y − η_l·(g_i(y) − c_i + c), then
///
///     c_i⁺ = c_i − c + (x − y_i) / (K_i·η_l)          (K_i: its local steps)
///     x ← x + η_g · Σ_i (n_i/n_S)·(y_i − x)            (example-weighted, as FedAvg)
///     c ← c + (|S|/N) · Σ_i (n_i/n_S)·(c_i⁺ − c_i)      (S: this round's, N: all participants)
///
/// With equal example counts these are the paper's plain means. Weighting both by examples keeps c an
/// estimate of the gradient of the objective FedAvg minimises (the example-weighted one): with c the
/// unweighted mean of the c_i, the correction would steer participants towards the objective in which
/// every participant counts the same, which on unbalanced data (Dirichlet splits) is another model.
///
/// The coordinator holds every c_i in a ``ControlVariateStore`` and sends each participant its
/// correction c − c_i with the instruction, so participants keep no state; the update for c_i⁺ needs
/// only what the coordinator already has (x, c, c_i, y_i, K_i, η_l).
public struct SCAFFOLD<Store: ControlVariateStore>: Strategy {
    /// Local training settings (μ is ignored).
    public var local: LocalTraining
    /// The server learning rate η_g.
    public var serverLearningRate: Float
    /// The number of participants N in the federation.
    public var participantCount: Int
    /// The server control variate c (empty until the first aggregation: c = 0).
    public private(set) var control: [Float] = []
    /// The participants' control variates c_i.
    public private(set) var variates: Store

    /// Creates the strategy.
    public init(local: LocalTraining, serverLearningRate: Float = 1, participantCount: Int, store: Store) {
        self.local = local
        self.serverLearningRate = serverLearningRate
        self.participantCount = participantCount
        self.variates = store
    }

    /// "scaffold(η_g=…)".
    public var name: String { "scaffold(η_g=\(serverLearningRate))" }

    /// FedAvg's instructions plus each participant's correction c − c_i.
    public func configureFit(
        round: Int, parameters: Parameters, participants: [Int], seed: UInt64
    ) -> [Int: FitInstruction] {
        var local = self.local
        local.proximalMu = 0
        var instructions = local.instructions(
            round: round, parameters: parameters, participants: participants, seed: seed)
        for participant in participants {
            let own = variates.variate(of: participant)
            guard !control.isEmpty || own != nil else { continue }
            var correction = control.isEmpty ? [Float](repeating: 0, count: parameters.count) : control
            if let own, own.count == correction.count {
                for i in correction.indices { correction[i] -= own[i] }
            }
            instructions[participant]?.correction = correction
        }
        return instructions
    }

    /// Moves x by the server step along the mean update, refreshes the variates of the participants
    /// that trained, and moves c by their mean change over all N participants.
    ///
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` when there are no examples to average.
    public mutating func aggregateFit(
        round: Int, current: Parameters, results: [FitResult],
        failures: [ParticipantFailure]
    ) throws -> AggregateResult {
        let x = current.values, n = x.count
        let mean = try WeightedMean().aggregate(
            results.map(\.update.parameters.values), weights: results.map { Double($0.update.exampleCount) })
        if control.isEmpty { control = [Float](repeating: 0, count: n) }
        var controlChange = [Double](repeating: 0, count: n)
        let learningRate = Double(local.learningRate)
        let examples = results.reduce(0.0) { $0 + Double(max(0, $1.update.exampleCount)) }
        let sampledShare = Double(results.count) / Double(max(1, participantCount, results.count))
        for result in results where result.update.steps > 0 && examples > 0 {
            let weight = sampledShare * Double(max(0, result.update.exampleCount)) / examples
            let y = result.update.parameters.values
            let old =
                variates.variate(of: result.participant).flatMap { $0.count == n ? $0 : nil }
                ?? [Float](repeating: 0, count: n)
            var updated = [Float](repeating: 0, count: n)
            let scale = 1 / (Double(result.update.steps) * learningRate)
            for i in 0..<n {
                let value = Double(old[i]) - Double(control[i]) + Double(x[i] - y[i]) * scale
                updated[i] = Float(value)
                controlChange[i] += weight * (value - Double(old[i]))
            }
            variates.setVariate(updated, of: result.participant)
        }
        for i in 0..<n { control[i] += Float(controlChange[i]) }
        var next = x
        for i in 0..<n { next[i] += serverLearningRate * (mean[i] - x[i]) }
        return AggregateResult(
            parameters: try Parameters(layout: current.layout, values: next),
            metrics: WeightedMean.metrics(results))
    }
}
