import ArgumentParser
import ConcordFederation
import ConcordPlan
import ConcordPrivacy

/// The secure-aggregation flags of `concord simulate`.
struct SecureAggregationOptions: ParsableArguments {
    @Flag(
        name: .customLong("secure-aggregation"),
        help: "Aggregate with SecAgg+ (Bell et al. 2020): the coordinator learns only the sum of the updates.")
    var enabled = false

    @Option(
        name: .customLong("secagg-neighbors"),
        help: "Neighbours k per participant (even, or all others); default from the round size and the rates below.")
    var neighbours: Int?

    @Option(
        name: .customLong("secagg-threshold"),
        help:
            "Shares t needed to rebuild a secret (above k/2); default from the rule, or k/2 + 1 with --secagg-neighbors."
    )
    var threshold: Int?

    @Option(name: .customLong("secagg-expected-dropout"), help: "Dropout rate δ the default k and t are chosen for.")
    var expectedDropout = 0.05

    @Option(
        name: .customLong("secagg-corrupt-fraction"),
        help: "Fraction γ of participants that may collude with the coordinator, for the default k and t.")
    var corruptFraction = 0.05

    @Option(name: .customLong("secagg-bits"), help: "Quantisation bits per coordinate (2^bits − 1 levels).")
    var bits = 16

    @Option(
        name: .customLong("secagg-clip-range"),
        help: "Update coordinates are clipped to [−c, c] before quantisation (with DP: the clip norm).")
    var clipRange = 1.0

    @Option(
        name: .customLong("secagg-max-weight"),
        help: "Example counts above this weigh as this much in the sum (default 4096; bench secagg: --examples).")
    var maxWeight: Int?

    @Option(
        name: .customLong("dropout"),
        help: """
            Simulated dropouts, FRACTION@STAGE (repeatable): each participant vanishes at that stage with that \
            probability. Stages: advertise-keys, share-keys, masked-input, unmask.
            """)
    var dropouts: [String] = []

    func validate() throws {
        if let problem { throw ValidationError(problem) }
        if let neighbours, neighbours < 2 { throw ValidationError("--secagg-neighbors must be at least 2") }
    }

    /// Whether any secure-aggregation setting was given (`simulate` needs `--secure-aggregation` for them).
    var customised: Bool { neighbours != nil || threshold != nil || !dropouts.isEmpty }

    /// What is wrong with the dropout schedule or the settings, if anything.
    private var problem: String? {
        do throws(SecureAggregationError) {
            _ = try schedule(seed: 0)
            _ = try settings.plan(participants: 100, dimension: 1, weighting: .uniform)
            return nil
        } catch {
            return error.description
        }
    }

    /// The settings these flags describe.
    var settings: SecureAggregationSettings {
        RunPlan.SecureAggregationChoice(
            neighbours: neighbours, threshold: threshold, expectedDropout: expectedDropout,
            corruptFraction: corruptFraction, bits: bits, clipRange: clipRange, maxWeight: maxWeight ?? 4096
        ).settings
    }

    /// The secure aggregation these flags ask for, nil without `--secure-aggregation`.
    var choice: RunPlan.SecureAggregationChoice? {
        guard enabled else { return nil }
        return RunPlan.SecureAggregationChoice(
            neighbours: neighbours, threshold: threshold, expectedDropout: expectedDropout,
            corruptFraction: corruptFraction, bits: bits, clipRange: clipRange, maxWeight: maxWeight ?? 4096)
    }

    /// The simulated dropouts.
    func schedule(seed: UInt64) throws(SecureAggregationError) -> SecureAggregationDropouts {
        var rates: [SecureAggregationStage: Double] = [:]
        for text in dropouts {
            let (stage, rate) = try SecureAggregationDropouts.rate(parsing: text)
            rates[stage] = rate
        }
        return SecureAggregationDropouts(rates: rates, seed: seed)
    }
}
