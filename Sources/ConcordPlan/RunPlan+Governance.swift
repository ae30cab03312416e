import ConcordGovernance
import ConcordNN
import ConcordPrivacy

extension RunPlan {
    /// What a charter is asked to permit for this plan, whose model has `layout`. With record-level DP the noise is
    /// DP-SGD's σ and the budget is each node's record-level ε after every round of the plan (all nodes take the
    /// same steps); nil when that ε cannot be computed, which the charter then refuses as no budget.
    public func runRequest(layout: ParameterLayout) -> RunRequest {
        var request = RunRequest(
            model: model, layout: layout, strategy: strategy.name, rounds: rounds, noiseMultiplier: dp?.noiseMultiplier,
            delta: dp?.delta ?? 1e-5, epsilonBudget: dp?.epsilonBudget, secureAggregation: secureAggregation != nil)
        if let dp, let record = dp.recordPrivacy {
            request.level = .record
            request.epsilonBudget = try? RDPAccountant.epsilon(
                samplingRate: record.samplingRate, noiseMultiplier: record.noiseMultiplier,
                steps: rounds * local.epochs * record.stepsPerEpoch, delta: dp.delta)
        }
        return request
    }
}
