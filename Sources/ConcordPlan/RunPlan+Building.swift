import ConcordFederation
import ConcordNN
import ConcordPrivacy

extension RunPlan {
    /// The strategy, ready for the first round, wrapped in DP-FedAvg when the plan asks for user-level differential
    /// privacy; at record level its instructions ask every participant for DP-SGD instead.
    ///
    /// With secure aggregation participants clip their own updates (the coordinator sees only the sum). A
    /// federation passes its run's `noiseKey` (from its store) so that a resumed run noises each round as the
    /// interrupted one would have; without one the noise comes from the operating system.
    /// - Throws: ``PlanError/invalid(field:problem:)`` for a strategy that cannot be read, a clip norm adaptive
    ///   clipping cannot start from, or a privacy setting the ledger refuses; a strategy that differential
    ///   privacy cannot wrap is refused by ``ConcordPrivacy/DifferentiallyPrivate``.
    public func makeStrategy(noiseKey: RunNoiseKey? = nil) throws -> any Strategy {
        let specification: StrategySpecification
        do {
            specification = try StrategySpecification(parsing: strategy.name)
        } catch {
            throw PlanError.invalid(field: "strategy", problem: "cannot be read: \(error)")
        }
        var localTraining = LocalTraining(
            epochs: local.epochs, batchSize: local.batchSize, learningRate: local.learningRate)
        localTraining.recordPrivacy = dp?.recordPrivacy
        localTraining.recordPrivacyDelta = dp?.recordPrivacy == nil ? nil : dp?.delta
        let inner = specification.make(
            local: localTraining, serverLearningRate: strategy.serverLearningRate,
            serverMomentum: strategy.serverMomentum, stragglerFraction: strategy.stragglers)
        // Record-level privacy is each participant's own DP-SGD: the coordinator adds no noise.
        guard let dp, dp.resolvedLevel == .user else { return inner }
        let m = fraction * Double(participants)
        let clipping: ClippingPolicy
        if dp.adaptive {
            guard
                let adaptive = AdaptiveClipping(
                    clipNorm: dp.clip, targetQuantile: dp.targetQuantile,
                    countNoiseStandardDeviation: AdaptiveClipping.recommendedCountNoiseStandardDeviation(
                        expectedParticipants: m))
            else { throw PlanError.invalid(field: "dp.clip", problem: "adaptive clipping cannot start from C = \(dp.clip)") }
            clipping = .adaptive(adaptive)
        } else {
            clipping = .fixed(dp.clip)
        }
        let ledger = try PrivacyLedger(delta: dp.delta, epsilonBudget: dp.epsilonBudget)
        func wrap<S: Strategy>(_ inner: S) throws -> any Strategy {
            var wrapped = try DifferentiallyPrivate(
                inner, noiseMultiplier: dp.noiseMultiplier, clipping: clipping,
                clientSide: dp.clientSide || secureAggregation != nil, expectedParticipants: m,
                accountingSamplingRate: sampling == .poisson ? fraction : 1, ledger: ledger)
            wrapped.noiseKey = noiseKey
            return wrapped
        }
        return try wrap(inner)
    }

    /// Who is sampled each round: exactly max(C·K, 1), or each participant with probability C.
    public func makeSampler() -> any ParticipantSampler {
        sampling == .poisson ? PoissonSampler(probability: fraction) : FractionSampler(fraction: fraction)
    }

    /// SecAgg+ summation, when the plan asks for secure aggregation.
    public func makeSecureSummation() -> (any SecureSummation)? {
        secureAggregation.map { SecureAggregation(settings: $0.settings) }
    }

    /// The model, initialised from `seed`.
    ///
    /// - Throws: the zoo's error for an unknown model or one too large for memory.
    public func makeModel(inputShape: [Int], classes: Int, seed: UInt64) throws -> Sequential {
        try ModelZoo.make(model, inputShape: inputShape, classes: classes, seed: seed)
    }

    /// The coordinator's configuration for a round among `available` participants (fewer than the plan's when
    /// some were excluded: a minimum no round could reach asks for all that are left).
    public func coordinatorConfiguration(
        available: Int, seed: UInt64, secureSummation: (any SecureSummation)?
    ) -> CoordinatorConfiguration {
        CoordinatorConfiguration(
            sampler: makeSampler(), minFitResults: min(minFitResults, available), minFitFraction: minFitFraction,
            roundDeadline: federation.map { .seconds($0.roundDeadlineSeconds) },
            // 0 asks for the last round only, which the round driver always evaluates.
            evalEvery: evalEvery == 0 ? Int.max : evalEvery, seed: seed, secureSummation: secureSummation)
    }
}

extension RunPlan.SecureAggregationChoice {
    /// The protocol's settings these choices describe.
    public var settings: SecureAggregationSettings {
        SecureAggregationSettings(
            neighbours: neighbours, threshold: threshold, expectedDropout: expectedDropout,
            corruptFraction: corruptFraction, clipRange: clipRange, bits: bits, maxWeight: maxWeight)
    }
}
