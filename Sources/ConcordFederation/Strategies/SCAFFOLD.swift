/// SCAFFOLD (Karimireddy et al. 2020, "SCAFFOLD: Stochastic Controlled Averaging for Federated
/// Learning", Algorithm 1 with option II): control variates correct the drift of local training on
/// heterogeneous data. Participant i takes local steps y ← y − η_l·(g_i(y) − c_i + c), then
///
///     c_i⁺ = c_i − c + (x − y_i) / (K_i·η_l)          (K_i: its local steps)
///     x ← x + η_g · Σ_i (n_i/n_S)·(y_i − x)            (example-weighted over this round's S, as FedAvg)
///     c = Σ_j n_j·c_j / Σ_j n_j                        (over every participant seen so far)
///
/// With equal example counts and every participant seen, these are the paper's plain means. Weighting
/// c by examples, like the model step, keeps each participant's corrected steps pointed at the
/// objective FedAvg minimises (the example-weighted one); c is kept as an exact running weighted sum,
/// so it never drifts from the mean of the stored c_j.
///
/// The coordinator holds every c_i in a ``ControlVariateStore`` and sends each participant its
/// correction c − c_i with the instruction, so participants keep no state; the update for c_i⁺ needs
/// only what the coordinator already has (x, c, c_i, y_i, K_i, η_l).
///
/// SCAFFOLD trusts every participant: c averages the stored variates, so one update that blew up (or
/// was forged) corrupts every later round until its sender trains again; robust aggregators do not
/// compose with it. On participants that hold a single class the corrected local objective is
/// unbounded below and long local runs at a high rate can blow up (README, "Heterogeneous data").
public struct SCAFFOLD<Store: ControlVariateStore>: Strategy {
    /// Local training settings (μ is ignored).
    public var local: LocalTraining
    /// The server learning rate η_g.
    public var serverLearningRate: Float
    /// How c_i⁺ is computed: option II (from the local trajectory, free) or option I (the mean gradient of
    /// the participant's data at x, one more pass over it).
    public var option: VariateOption

    /// SCAFFOLD's two ways to refresh a participant's control variate.
    public enum VariateOption: String, Sendable, Codable {
        /// c_i⁺ = ∇f_i(x), the participant's full-data gradient at the global parameters.
        case fullGradient
        /// c_i⁺ = c_i − c + (x − y_i)/(K_i·η_l), from the local trajectory.
        case trajectory
    }
    /// The server control variate c (empty until the first aggregation: c = 0).
    public private(set) var control: [Float] = []
    /// Σ_j n_j·c_j over the stored variates.
    public private(set) var weightedSum: [Double] = []
    /// Σ_j n_j over the stored variates.
    public private(set) var totalWeight: Double = 0
    /// The participants' control variates c_i.
    public private(set) var variates: Store

    /// Creates the strategy.
    public init(
        local: LocalTraining, serverLearningRate: Float = 1, option: VariateOption = .trajectory, store: Store
    ) {
        self.local = local
        self.serverLearningRate = serverLearningRate
        self.option = option
        self.variates = store
    }

    /// "scaffold(η_g=…)", with ",option I" for the full-gradient variates.
    public var name: String { "scaffold(η_g=\(serverLearningRate)\(option == .fullGradient ? ",option I" : ""))" }

    /// FedAvg's instructions plus each participant's correction c − c_i.
    public func configureFit(
        round: Int, parameters: Parameters, participants: [Int], seed: UInt64
    ) -> [Int: FitInstruction] {
        var local = self.local
        local.proximalMu = 0
        var instructions = local.instructions(
            round: round, parameters: parameters, participants: participants, seed: seed)
        if option == .fullGradient {
            for participant in participants { instructions[participant]?.config.reportsGradient = true }
        }
        guard control.count == parameters.count else { return instructions }
        for participant in participants {
            var correction = control
            if let own = variates.variate(of: participant)?.values, own.count == correction.count {
                for i in correction.indices { correction[i] -= own[i] }
            }
            instructions[participant]?.correction = correction
        }
        return instructions
    }

    /// Moves x by the server step along the mean update, refreshes the variates of the participants
    /// that trained, and recomputes c as the weighted mean of all stored variates.
    ///
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` when there are no examples to average.
    public mutating func aggregateFit(
        round: Int, current: Parameters, results: [FitResult],
        failures: [ParticipantFailure]
    ) throws -> AggregateResult {
        let x = current.values, n = x.count
        let mean = try WeightedMean().aggregate(
            results.map(\.update.parameters.values), weights: results.map { Double($0.update.exampleCount) })
        if weightedSum.count != n {
            weightedSum = [Double](repeating: 0, count: n)
            totalWeight = 0
        }
        let c = control.count == n ? control : [Float](repeating: 0, count: n)
        let learningRate = Double(local.learningRate)
        for result in results where result.update.steps > 0 && result.update.exampleCount > 0 {
            let y = result.update.parameters.values
            let old = variates.variate(of: result.participant).flatMap { $0.values.count == n ? $0 : nil }
            let weight = Double(result.update.exampleCount)
            let scale = 1 / (Double(result.update.steps) * learningRate)
            var updated = [Float](repeating: 0, count: n)
            let gradient = option == .fullGradient ? result.update.gradient.flatMap { $0.count == n ? $0 : nil } : nil
            for i in 0..<n {
                let previous = Double(old?.values[i] ?? 0)
                if let gradient {
                    updated[i] = gradient[i]
                } else {
                    updated[i] = Float(previous - Double(c[i]) + Double(x[i] - y[i]) * scale)
                }
                weightedSum[i] += weight * Double(updated[i]) - (old?.weight ?? 0) * previous
            }
            totalWeight += weight - (old?.weight ?? 0)
            variates.setVariate(ControlVariate(values: updated, weight: weight), of: result.participant)
        }
        if totalWeight > 0 { control = weightedSum.map { Float($0 / totalWeight) } }
        var next = x
        for i in 0..<n { next[i] += serverLearningRate * (mean[i] - x[i]) }
        return AggregateResult(
            parameters: try Parameters(layout: current.layout, values: next),
            metrics: WeightedMean.metrics(results))
    }
}
