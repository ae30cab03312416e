import ConcordNN

extension RunPlan {
    /// Whom a run's differential privacy protects.
    public enum DPLevel: String, Sendable, Equatable, Codable, CaseIterable {
        /// A participant's whole data: DP-FedAvg, clipping and noising updates (McMahan et al. 2018).
        case user
        /// Each record of a participant's data: DP-SGD at every participant (Abadi et al. 2016), each accounting
        /// its own ε.
        case record
    }
}

extension RunPlan.DPChoice {
    /// The level, user when none was given.
    public var resolvedLevel: RunPlan.DPLevel { level ?? .user }

    /// The DP-SGD every participant runs at record level; nil at user level.
    public var recordPrivacy: DPSGDConfiguration? {
        guard resolvedLevel == .record, let recordSamplingRate else { return nil }
        return DPSGDConfiguration(clipNorm: clip, noiseMultiplier: noiseMultiplier, samplingRate: recordSamplingRate)
    }

    /// Checks what the level needs: a per-record sampling rate at record level and none of the user-level
    /// settings there; no per-record rate at user level.
    func validateLevel() throws(PlanError) {
        guard resolvedLevel == .record else {
            if recordSamplingRate != nil {
                throw .invalid(
                    field: "dp.record_sampling_rate", problem: "applies to record-level DP only (dp.level: record)")
            }
            return
        }
        guard let q = recordSamplingRate else {
            throw .invalid(field: "dp.record_sampling_rate", problem: "is needed at record level (the q of DP-SGD)")
        }
        guard q > 0, q <= 1 else { throw .invalid(field: "dp.record_sampling_rate", problem: "must be in (0, 1]") }
        if adaptive {
            throw .invalid(field: "dp.adaptive", problem: "adaptive clipping is for user-level DP only")
        }
        if epsilonBudget != nil {
            throw .invalid(
                field: "dp.epsilon_budget",
                problem: "is not enforced at record level yet (each participant reports its own ε)")
        }
    }
}
