import ArgumentParser
import ConcordFederation
import ConcordPlan

/// The differential-privacy flags of `concord simulate` and `concord serve`; the plan checks their values.
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
        guard noiseMultiplier != nil else {
            if clip != nil || adaptive || clientSide || epsilonBudget != nil {
                throw ValidationError("the --dp-… options need --dp-noise-multiplier")
            }
            return
        }
        // The ranges are the plan's to check (RunPlan.validate), the same for simulate and serve.
        guard clip != nil else { throw ValidationError("--dp-noise-multiplier needs --dp-clip C") }
    }

    /// The differential privacy these flags ask for, nil without `--dp-noise-multiplier`.
    var choice: RunPlan.DPChoice? {
        guard let noiseMultiplier, let clip else { return nil }
        return RunPlan.DPChoice(
            noiseMultiplier: noiseMultiplier, clip: clip, adaptive: adaptive, targetQuantile: targetQuantile,
            clientSide: clientSide, delta: delta, epsilonBudget: epsilonBudget)
    }
}

extension SamplingMethod: ExpressibleByArgument {}
