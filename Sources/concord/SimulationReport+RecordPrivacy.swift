import ConcordGovernance
import ConcordNN
import ConcordPrivacy
import Foundation

extension SimulationReport {
    /// Record-level DP-SGD in a report: the settings every participant trained with and the ε each accounted.
    struct RecordPrivacy: Encodable {
        var delta: Double
        var noiseMultiplier: Double
        var clipNorm: Double
        var samplingRate: Double
        /// Each participant's ε at δ, by id.
        var participantsEpsilon: [String: Double]
        /// Each participant's DP-SGD steps, by id.
        var participantsSteps: [String: Int]

        enum CodingKeys: String, CodingKey {
            case delta, noiseMultiplier = "noise_multiplier", clipNorm = "clip_norm"
            case samplingRate = "record_sampling_rate", participantsEpsilon = "participants_epsilon"
            case participantsSteps = "participants_steps"
        }

        /// Reads every participant's accountant.
        init?(_ configuration: DPSGDConfiguration?, accountants: [Int: RecordPrivacyAccountant]) async {
            guard let configuration, let any = accountants.values.first, let delta = await any.delta else { return nil }
            self.delta = delta
            noiseMultiplier = configuration.noiseMultiplier
            clipNorm = configuration.clipNorm
            samplingRate = configuration.samplingRate
            participantsEpsilon = [:]
            participantsSteps = [:]
            for (id, accountant) in accountants {
                participantsEpsilon["\(id)"] = await accountant.epsilon
                participantsSteps["\(id)"] = await accountant.steps
            }
        }

        /// One line per participant: its ε at δ and its steps.
        var summary: String {
            let ids = participantsEpsilon.keys.compactMap(Int.init).sorted()
            let lines = ids.map { id in
                let epsilon = participantsEpsilon["\(id)"] ?? .infinity
                return "  participant \(id): ε = \(String(format: "%.3f", epsilon)) after "
                    + "\(participantsSteps["\(id)"] ?? 0) DP-SGD steps"
            }
            return (["record-level privacy at δ=\(delta) (each participant's own accountant):"] + lines)
                .joined(separator: "\n")
        }
    }
}

extension SimulateCommand {
    /// One accountant per participant, for record-level DP; under a record-level charter each holds its
    /// participant's cap, as a node's record-level ledger does.
    static func recordAccountants(
        _ count: Int, delta: Double, charter: Charter?
    ) throws -> [Int: RecordPrivacyAccountant] {
        var accountants: [Int: RecordPrivacyAccountant] = [:]
        for id in 0..<count {
            let listed = charter?.privacy.level == .record ? charter?.participant(id: id) : nil
            accountants[id] = try RecordPrivacyAccountant(
                delta: delta, participant: listed?.name ?? "participant \(id)", epsilonCap: listed?.epsilonCap)
        }
        return accountants
    }

    /// What the run's record-level privacy is, printed before it starts.
    static func recordPrivacyLine(_ configuration: DPSGDConfiguration, delta: Double) -> String {
        "privacy: record-level DP-SGD (Abadi et al. 2016) at every participant: q=\(configuration.samplingRate), "
            + "σ=\(configuration.noiseMultiplier), C=\(configuration.clipNorm), "
            + "\(configuration.stepsPerEpoch) steps per local epoch; each participant accounts its own ε at δ=\(delta)"
    }
}
