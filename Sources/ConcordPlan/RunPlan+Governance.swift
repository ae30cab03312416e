import ConcordGovernance
import ConcordNN

extension RunPlan {
    /// What a charter is asked to permit for this plan, whose model has `layout`.
    public func runRequest(layout: ParameterLayout) -> RunRequest {
        RunRequest(
            model: model, layout: layout, strategy: strategy.name, rounds: rounds, noiseMultiplier: dp?.noiseMultiplier,
            delta: dp?.delta ?? 1e-5, epsilonBudget: dp?.epsilonBudget, secureAggregation: secureAggregation != nil)
    }
}
