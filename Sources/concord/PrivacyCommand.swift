import ArgumentParser
import ConcordPrivacy
import Foundation

/// `concord privacy`: differential-privacy accounting for the subsampled Gaussian mechanism (DP-SGD, DP-FedAvg).
struct PrivacyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy",
        abstract: "Privacy accounting: the (ε, δ) of a noisy training run, or the noise a privacy budget needs.",
        discussion: """
            Each step samples every record (or participant) with probability q and adds Gaussian noise of standard \
            deviation z × the clipping norm. The RDP accountant (Mironov, Talwar & Zhang 2019) tracks the Rényi \
            orders of Google's dp_accounting and converts to (ε, δ) with its bound. For example:
              concord privacy epsilon --q 0.01 --noise-multiplier 1.0 --steps 1000 --delta 1e-5
              concord privacy noise --q 0.01 --steps 1000 --delta 1e-5 --epsilon 2
            """,
        subcommands: [Epsilon.self, Noise.self]
    )
}

extension PrivacyCommand {
    /// `concord privacy epsilon`: ε and the optimal Rényi order after a number of noisy steps.
    struct Epsilon: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "epsilon",
            abstract: "Print the ε of `steps` subsampled Gaussian steps at a δ, and the Rényi order that attains it.")

        @Option(help: "Sampling rate q: the probability that a record joins a step, in (0, 1].")
        var q: Double

        @Option(help: "Noise multiplier z: the noise's standard deviation over the clipping norm (> 0).")
        var noiseMultiplier: Double

        @Option(help: "Number of steps (rounds).")
        var steps: Int

        @Option(help: "δ, in (0, 1); usually well below 1 / (number of records).")
        var delta: Double

        @Flag(help: "Print one JSON object instead of a sentence.")
        var json = false

        func validate() throws {
            try Options.validate(q: q, steps: steps, delta: delta)
            guard noiseMultiplier > 0, noiseMultiplier.isFinite else {
                throw ValidationError(
                    "--noise-multiplier must be a positive number (0 would mean no noise, no privacy)")
            }
        }

        func run() throws {
            var accountant = RDPAccountant()
            try accountant.compose(samplingRate: q, noiseMultiplier: noiseMultiplier, steps: steps)
            let (epsilon, order) = try accountant.epsilon(delta: delta)
            if json {
                let report = EpsilonReport(
                    q: q, noiseMultiplier: noiseMultiplier, steps: steps, delta: delta,
                    epsilon: epsilon.isFinite ? epsilon : nil, order: order)
                print(try Options.jsonString(report))
            } else {
                print(
                    "ε = \(Options.format(epsilon)) at δ = \(delta) (optimal Rényi order \(Options.format(order))) "
                        + "after \(steps) steps with q = \(q), noise multiplier \(noiseMultiplier)")
            }
        }
    }

    /// `concord privacy noise`: the smallest noise multiplier meeting an (ε, δ) budget.
    struct Noise: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "noise",
            abstract: "Print the smallest noise multiplier for which `steps` subsampled Gaussian steps are (ε, δ)-DP.",
            discussion: "The result is rounded up (to six significant digits), so it always meets the budget.")

        @Option(help: "Sampling rate q: the probability that a record joins a step, in (0, 1].")
        var q: Double

        @Option(help: "Number of steps (rounds).")
        var steps: Int

        @Option(help: "δ, in (0, 1); usually well below 1 / (number of records).")
        var delta: Double

        @Option(help: "The ε budget (> 0).")
        var epsilon: Double

        @Flag(help: "Print one JSON object instead of a sentence.")
        var json = false

        func validate() throws {
            try Options.validate(q: q, steps: steps, delta: delta)
            guard epsilon > 0, epsilon.isFinite else { throw ValidationError("--epsilon must be a positive number") }
        }

        func run() throws {
            let z = try RDPAccountant.noiseMultiplier(samplingRate: q, steps: steps, delta: delta, epsilon: epsilon)
            let achieved = try RDPAccountant.epsilon(samplingRate: q, noiseMultiplier: z, steps: steps, delta: delta)
            if json {
                let report = NoiseReport(
                    q: q, steps: steps, delta: delta, epsilon: epsilon, noiseMultiplier: z, achievedEpsilon: achieved)
                print(try Options.jsonString(report))
            } else {
                print(
                    "noise multiplier \(z) (ε = \(Options.format(achieved)) ≤ \(epsilon) at δ = \(delta) "
                        + "after \(steps) steps with q = \(q))")
            }
        }
    }

    /// What the privacy subcommands share: option checks and output formatting.
    enum Options {
        static func validate(q: Double, steps: Int, delta: Double) throws {
            guard q > 0, q <= 1 else { throw ValidationError("--q must be in (0, 1]") }
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
            guard delta > 0, delta < 1 else { throw ValidationError("--delta must be in (0, 1)") }
        }

        /// Six significant digits; "inf" for infinity.
        static func format(_ value: Double) -> String {
            value.isFinite ? String(format: "%.6g", value) : "inf"
        }

        static func jsonString(_ value: some Encodable) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        }
    }

    /// What `concord privacy epsilon --json` prints; `epsilon` is null when no order gives a finite bound.
    struct EpsilonReport: Encodable {
        var command = "privacy epsilon"
        var q: Double
        var noiseMultiplier: Double
        var steps: Int
        var delta: Double
        var epsilon: Double?
        var order: Double

        enum CodingKeys: String, CodingKey {
            case command, q, noiseMultiplier = "noise_multiplier", steps, delta, epsilon, order
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(command, forKey: .command)
            try container.encode(q, forKey: .q)
            try container.encode(noiseMultiplier, forKey: .noiseMultiplier)
            try container.encode(steps, forKey: .steps)
            try container.encode(delta, forKey: .delta)
            try container.encode(epsilon, forKey: .epsilon)  // null, not omitted, when infinite
            try container.encode(order, forKey: .order)
        }
    }

    /// What `concord privacy noise --json` prints.
    struct NoiseReport: Encodable {
        var command = "privacy noise"
        var q: Double
        var steps: Int
        var delta: Double
        var epsilon: Double
        var noiseMultiplier: Double
        var achievedEpsilon: Double

        enum CodingKeys: String, CodingKey {
            case command, q, steps, delta, epsilon, noiseMultiplier = "noise_multiplier"
            case achievedEpsilon = "achieved_epsilon"
        }
    }
}
