import ArgumentParser
import ConcordFederation
import ConcordPrivacy

/// The differential-privacy flags of `concord simulate`.
struct PrivacyOptions: ParsableArguments {
    @Option(
        name: .customLong("dp-noise-multiplier"),
        help: "Turn on user-level DP (DP-FedAvg): the noise multiplier z; noise std z·C/m on the mean update.")
    var noiseMultiplier: Double?

    @Option(name: .customLong("dp-clip"), help: "The L2 clip norm C of each update (the initial C with --dp-adaptive).")
    var clip: Double?

    @Flag(
        name: .customLong("dp-adaptive"),
        help: "Adapt C to a quantile of the update norms (Andrew et al. 2021); part of z noises the count.")
    var adaptive = false

    @Option(name: .customLong("dp-target-quantile"), help: "The quantile γ adaptive clipping targets.")
    var targetQuantile = 0.5

    @Flag(
        name: .customLong("dp-client-side"),
        help: "Participants clip their own updates, so the coordinator never sees an unclipped one.")
    var clientSide = false

    @Option(name: .customLong("dp-delta"), help: "The δ at which ε is stated (default 1e-5).")
    var delta = 1e-5

    @Option(
        name: .customLong("dp-epsilon-budget"),
        help: "Stop before the round that would take ε past this budget, keeping the last affordable model.")
    var epsilonBudget: Double?

    @Option(
        help: """
            Sampling of each round's participants: fixed (exactly C·K) or poisson (each with probability C). \
            Default: poisson with DP, whose accounting assumes it; fixed-size rounds are accounted without \
            amplification.
            """)
    var sampling: SamplingMethod?

    /// Whether DP is on.
    var enabled: Bool { noiseMultiplier != nil }

    func validate() throws {
        guard let noiseMultiplier else {
            if clip != nil || adaptive || clientSide || epsilonBudget != nil {
                throw ValidationError("the --dp-… options need --dp-noise-multiplier")
            }
            return
        }
        guard noiseMultiplier >= 0, noiseMultiplier.isFinite else {
            throw ValidationError("--dp-noise-multiplier must be ≥ 0")
        }
        guard let clip else { throw ValidationError("--dp-noise-multiplier needs --dp-clip C") }
        guard clip > 0, clip.isFinite else { throw ValidationError("--dp-clip must be positive") }
        guard targetQuantile > 0, targetQuantile < 1 else {
            throw ValidationError("--dp-target-quantile must be in (0, 1)")
        }
        guard delta > 0, delta < 1 else { throw ValidationError("--dp-delta must be in (0, 1)") }
        if let epsilonBudget, !(epsilonBudget > 0) { throw ValidationError("--dp-epsilon-budget must be positive") }
    }

    /// The sampling method in force.
    var method: SamplingMethod { sampling ?? (enabled ? .poisson : .fixed) }

    /// `strategy` wrapped in DP-FedAvg, or unchanged without DP.
    ///
    /// - Parameters:
    ///   - participants: N.
    ///   - fraction: C, the sampling fraction or probability q.
    ///   - clientSide: participants clip even without `--dp-client-side` (secure aggregation needs it).
    func wrap(
        _ strategy: any Strategy, participants: Int, fraction: Double, clientSide: Bool = false
    ) throws
        -> any Strategy
    {
        guard let noiseMultiplier, let clip else { return strategy }
        let m = fraction * Double(participants)
        let clipping: ClippingPolicy
        if adaptive {
            guard
                let adaptive = AdaptiveClipping(
                    clipNorm: clip, targetQuantile: targetQuantile,
                    countNoiseStandardDeviation: AdaptiveClipping.recommendedCountNoiseStandardDeviation(
                        expectedParticipants: m))
            else { throw ValidationError("adaptive clipping cannot start from C = \(clip)") }
            clipping = .adaptive(adaptive)
        } else {
            clipping = .fixed(clip)
        }
        let ledger = try PrivacyLedger(delta: delta, epsilonBudget: epsilonBudget)
        func wrap<S: Strategy>(_ inner: S) throws -> any Strategy {
            try DifferentiallyPrivate(
                inner, noiseMultiplier: noiseMultiplier, clipping: clipping, clientSide: self.clientSide || clientSide,
                expectedParticipants: m, accountingSamplingRate: method == .poisson ? fraction : 1, ledger: ledger)
        }
        return try wrap(strategy)
    }
}

extension SamplingMethod: ExpressibleByArgument {}
