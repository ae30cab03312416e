import ArgumentParser
import ConcordFederation
import ConcordPlan

/// The differential-privacy flags of `concord simulate` and `concord serve`; the plan checks their values.
struct PrivacyOptions: ParsableArguments {
    @Option(
        name: .customLong("dp-noise-multiplier"),
        help: """
            Turn on DP: the noise multiplier z (user level, DP-FedAvg: noise std z·C/m on the mean update; record \
            level, DP-SGD: noise std z·C on each step's sum of clipped per-record gradients).
            """)
    var noiseMultiplier: Double?

    @Option(
        name: [.customLong("dp-clip"), .customLong("dp-clip-norm")],
        help: "The L2 clip norm C of each update (the initial C with --dp-adaptive), or of each record's gradient.")
    var clip: Double?

    @Option(
        name: .customLong("dp-level"),
        help: """
            Whom DP protects: user (a participant's whole data, DP-FedAvg; the default) or record (each record of \
            it: DP-SGD at every participant, which accounts its own ε; needs --dp-record-sampling-rate).
            """)
    var level: RunPlan.DPLevel = .user

    @Option(
        name: .customLong("dp-record-sampling-rate"),
        help: "Record level: the probability q with which each record joins a DP-SGD step (an epoch: round(1/q) steps)."
    )
    var recordSamplingRate: Double?

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
            if clip != nil || adaptive || clientSide || epsilonBudget != nil || level != .user
                || recordSamplingRate != nil
            {
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
            clientSide: clientSide, delta: delta, epsilonBudget: epsilonBudget,
            // User level is stored as no level, so the plans of runs made before levels existed still compare.
            level: level == .user ? nil : level, recordSamplingRate: recordSamplingRate)
    }
}

extension SamplingMethod: ExpressibleByArgument {}

extension RunPlan.DPLevel: ExpressibleByArgument {}
