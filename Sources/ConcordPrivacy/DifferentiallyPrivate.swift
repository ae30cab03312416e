import ConcordFederation

/// User-level differential privacy around any strategy whose aggregate is a weighted sum: DP-FedAvg
/// (McMahan, Ramage, Talwar, Zhang 2018, "Learning Differentially Private Recurrent Language Models").
///
/// Each participant's update Δ_k = w_k − w_global is clipped to L2 norm C, and the inner strategy is
/// handed the noised mean with a fixed denominator,
///
///     Δ̃ = (Σ_k clip(Δ_k) + N(0, (z·C)²·I)) / m,      m = the expected participants per round,
///
/// as if one participant had sent w_global + Δ̃ (FedAvg then steps to it, FedAdam takes it as its
/// pseudo-gradient). Every participant weighs the same: a weight proportional to its example count
/// would let one participant's influence, and so the sensitivity, exceed C/m.
///
/// Clipping happens on the coordinator, or with `clientSide` on each participant, so the coordinator
/// never sees an unclipped update (as secure aggregation needs); the coordinator clips again, which
/// changes nothing for an honest participant and bounds a dishonest one.
///
/// With adaptive clipping (Andrew et al. 2021) C follows a quantile of the update norms; the noise
/// multiplier z is then split between the updates and the count of unclipped updates, and z, the
/// whole round's, is what the ledger accounts.
///
/// Noise comes from the operating system's cryptographically secure generator, or, given the run's
/// ``noiseKey``, from a keystream of that secret key and the round; it is never seeded.
/// Every round releases a noised aggregate, even one in which no participant answered, so that whether
/// a round happened reveals nothing about who took part.
public struct DifferentiallyPrivate<Inner: Strategy>: Strategy {
    /// The wrapped strategy.
    public var inner: Inner
    /// The noise multiplier z of a whole round.
    public let noiseMultiplier: Double
    /// The clip norm, fixed or adaptive.
    public private(set) var clipping: ClippingPolicy
    /// Whether participants clip their own updates.
    public let clientSide: Bool
    /// The fixed denominator m: the expected number of participants per round (q·N).
    public let expectedParticipants: Double
    /// The sampling rate the ledger accounts: q for Poisson sampling, 1 for fixed-size sampling (no
    /// amplification is claimed for it).
    public let accountingSamplingRate: Double
    /// The privacy spent so far and the budget.
    public private(set) var ledger: PrivacyLedger
    /// The run's noise key (a federation's, kept in its store): each round's noise is then a function of it and
    /// the round, so a resumed run releases what an uninterrupted one would. Nil draws from the operating system.
    public var noiseKey: RunNoiseKey?

    private enum CodingKeys: String, CodingKey {
        // The noise key is a secret: it stays out of checkpoints (``resuming(_:)`` puts it back).
        case inner, noiseMultiplier, clipping, clientSide, expectedParticipants, accountingSamplingRate, ledger
    }

    /// The checkpointed strategy with this one's noise key.
    public func resuming(_ checkpointed: Self) -> Self {
        var resumed = checkpointed
        resumed.noiseKey = noiseKey
        return resumed
    }

    /// Wraps a strategy.
    ///
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` when the inner strategy needs individual updates,
    ///   a parameter is out of range, or σ_b of adaptive clipping is too small for z.
    public init(
        _ inner: Inner, noiseMultiplier: Double, clipping: ClippingPolicy, clientSide: Bool,
        expectedParticipants: Double,
        accountingSamplingRate: Double, ledger: PrivacyLedger
    ) throws(PrivacyError) {
        guard inner.aggregatesWeightedSum else {
            throw .invalidParameter(
                "differential privacy needs a strategy whose aggregate is a weighted sum (fedavg, fedavgm, fedadam, "
                    + "fedyogi, fedadagrad, fedprox); '\(inner.name)' needs individual updates")
        }
        guard noiseMultiplier >= 0, noiseMultiplier.isFinite else {
            throw .invalidParameter("the noise multiplier must be ≥ 0, got \(noiseMultiplier)")
        }
        guard clipping.clipNorm > 0, clipping.clipNorm.isFinite else {
            throw .invalidParameter("the clip norm must be positive, got \(clipping.clipNorm)")
        }
        guard expectedParticipants > 0, expectedParticipants.isFinite else {
            throw .invalidParameter("the expected participants per round must be positive, got \(expectedParticipants)")
        }
        guard accountingSamplingRate > 0, accountingSamplingRate <= 1 else {
            throw .invalidParameter("the sampling rate must be in (0, 1], got \(accountingSamplingRate)")
        }
        self.inner = inner
        self.noiseMultiplier = noiseMultiplier
        self.clipping = clipping
        self.clientSide = clientSide
        self.expectedParticipants = expectedParticipants
        self.accountingSamplingRate = accountingSamplingRate
        self.ledger = ledger
        _ = try updateNoiseMultiplier()
    }

    /// The noise multiplier of the updates: z itself with a fixed clip norm, less with adaptive clipping,
    /// which spends part of the round's privacy on the count of unclipped updates.
    public func updateNoiseMultiplier() throws(PrivacyError) -> Double {
        guard case .adaptive(let adaptive) = clipping else { return noiseMultiplier }
        guard
            let z = AdaptiveClipping.updateNoiseMultiplier(
                total: noiseMultiplier, countNoiseStandardDeviation: adaptive.countNoiseStandardDeviation)
        else {
            throw .invalidParameter(
                "the count noise σ_b = \(adaptive.countNoiseStandardDeviation) is too small for a noise multiplier "
                    + "of \(noiseMultiplier): need 2σ_b > z")
        }
        return z
    }

    /// "dp(z=…,C=…) over <inner>".
    public var name: String { "dp(z=\(noiseMultiplier)) over \(inner.name)" }

    /// The noised aggregate is a weighted sum.
    public var aggregatesWeightedSum: Bool { true }

    /// Refuses a round that would take the run past its ε budget.
    public func refusal(round: Int) -> String? {
        inner.refusal(round: round)
            ?? ledger.refusal(round: round, samplingRate: accountingSamplingRate, noiseMultiplier: noiseMultiplier)
    }

    /// The inner strategy's instructions, announcing the mechanism (and the clip norm for client-side clipping).
    public func configureFit(
        round: Int, parameters: Parameters, participants: [Int], seed: UInt64
    ) -> [Int: FitInstruction] {
        var instructions = inner.configureFit(
            round: round, parameters: parameters, participants: participants, seed: seed)
        let mechanism = PrivacyMechanism(
            samplingRate: accountingSamplingRate, noiseMultiplier: noiseMultiplier, delta: ledger.delta,
            clipNorm: clipping.clipNorm)
        for key in instructions.keys {
            instructions[key]?.config.privacy = mechanism
            if clientSide { instructions[key]?.config.clipNorm = clipping.clipNorm }
        }
        return instructions
    }

    /// Clips, sums, noises and divides by m, hands the result to the inner strategy, records the round in
    /// the ledger and moves an adaptive clip norm.
    ///
    /// - Throws: ``PrivacyError`` or the inner strategy's error; the round is then not recorded.
    public mutating func aggregateFit(
        round: Int, current: Parameters, results: [FitResult],
        failures: [ParticipantFailure]
    ) throws -> AggregateResult {
        if var noise = noiseKey?.noise(round: round) {
            return try aggregate(round: round, current: current, results: results, failures: failures, noise: &noise)
        }
        var noise = SecureGaussianNoise()
        return try aggregate(round: round, current: current, results: results, failures: failures, noise: &noise)
    }

    /// Every participant weighs the same in the sum secure aggregation computes.
    public var sumWeighting: SumWeighting { .uniform }

    /// Noises the sum secure aggregation revealed, Σ_k clip(Δ_k), as ``aggregateFit(round:current:results:failures:)``
    /// noises the sum it clips itself. The coordinator cannot clip what it never sees, so participants
    /// must clip (`clientSide`); the "unclipped" count, summed beside the updates, drives adaptive clipping.
    ///
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` without client-side clipping, or as `aggregateFit`.
    public mutating func aggregateSum(
        round: Int, current: Parameters, sum: UpdateSum, failures: [ParticipantFailure]
    ) throws -> AggregateResult {
        guard clientSide else {
            throw PrivacyError.invalidParameter(
                "with secure aggregation the coordinator never sees an update to clip: participants must clip (client-side)"
            )
        }
        guard sum.weightedDelta.count == current.count else {
            throw FederationError.layoutMismatch(
                "a sum of \(sum.weightedDelta.count) values for \(current.count) parameters")
        }
        let unclipped = Int(sum.counts["unclipped"] ?? 0)
        if var noise = noiseKey?.noise(round: round) {
            return try release(
                round: round, current: current, sum: sum.weightedDelta, unclipped: unclipped,
                participants: sum.participants.count, metrics: [:], failures: failures, noise: &noise)
        }
        var noise = SecureGaussianNoise()
        return try release(
            round: round, current: current, sum: sum.weightedDelta, unclipped: unclipped,
            participants: sum.participants.count, metrics: [:], failures: failures, noise: &noise)
    }

    /// ``aggregateFit(round:current:results:failures:)`` with the noise source given (tests only).
    mutating func aggregate<Source>(
        round: Int, current: Parameters, results: [FitResult], failures: [ParticipantFailure],
        noise: inout GaussianNoise<Source>
    ) throws -> AggregateResult {
        let clipNorm = clipping.clipNorm
        let x = current.values
        var sum = [Double](repeating: 0, count: x.count)
        var unclipped = 0
        var delta: [Float] = []
        for result in results {
            guard result.update.parameters.layout == current.layout else {
                throw FederationError.layoutMismatch("participant \(result.participant) sent another model")
            }
            let (_, scaled) = UpdateClipping.clippedDelta(
                of: result.update.parameters.values, around: x, to: clipNorm, into: &delta)
            let reportedUnclipped = clientSide ? result.update.metrics["unclipped"] == 1 : !scaled
            if reportedUnclipped { unclipped += 1 }
            for i in delta.indices { sum[i] += Double(delta[i]) }
        }
        return try release(
            round: round, current: current, sum: sum, unclipped: unclipped, participants: results.count,
            metrics: WeightedMean.metrics(results).filter { $0.key == "loss" }, failures: failures, noise: &noise)
    }

    /// Adds the noise to the sum of clipped updates, divides by m, hands the result to the inner strategy,
    /// records the round in the ledger and moves an adaptive clip norm.
    private mutating func release<Source>(
        round: Int, current: Parameters, sum: [Double], unclipped: Int, participants: Int, metrics: [String: Double],
        failures: [ParticipantFailure], noise: inout GaussianNoise<Source>
    ) throws -> AggregateResult {
        let clipNorm = clipping.clipNorm
        let x = current.values
        let updateNoise = try updateNoiseMultiplier() * clipNorm
        var noised = [Float](repeating: 0, count: x.count)
        for i in noised.indices {
            let value = (sum[i] + noise.sample(standardDeviation: updateNoise)) / expectedParticipants
            noised[i] = x[i] + Float(value)
        }
        let released = FitResult(
            participant: 0,
            update: ClientUpdate(parameters: try Parameters(layout: current.layout, values: noised), exampleCount: 1))
        var aggregate = try inner.aggregateFit(round: round, current: current, results: [released], failures: failures)
        let entry = try ledger.record(
            round: round, samplingRate: accountingSamplingRate, noiseMultiplier: noiseMultiplier, clipNorm: clipNorm)
        aggregate.metrics = metrics
        aggregate.metrics["epsilon"] = entry.epsilon
        // Recorded with every round, so that whoever reads the run's store (its dashboard) sees the budget too.
        if let budget = ledger.epsilonBudget { aggregate.metrics["epsilon_budget"] = budget }
        aggregate.metrics["clip_norm"] = clipNorm
        aggregate.metrics["noise_stddev"] = updateNoise / expectedParticipants
        if case .adaptive(var adaptive) = clipping {
            let fraction = adaptive.update(
                unclippedCount: unclipped, participantCount: participants, expectedParticipants: expectedParticipants,
                noise: &noise)
            if let fraction { aggregate.metrics["unclipped_fraction"] = fraction }
            clipping = .adaptive(adaptive)
        }
        return aggregate
    }
}
