import ConcordFederation
import ConcordPlan

extension FederationConfig {
    /// The run plan this configuration describes, with what the command line adds: differential privacy, secure
    /// aggregation and the sampling method (flags override the file; the file has no keys for them).
    ///
    /// The plan resolves every default the file leaves out (sampling, the least results a round needs).
    public func plan(
        dp: RunPlan.DPChoice? = nil, secureAggregation: RunPlan.SecureAggregationChoice? = nil,
        sampling: SamplingMethod? = nil, charter: String? = nil
    ) -> RunPlan {
        RunPlan(
            model: model, dataset: evaluation, participants: participants.count, participantNames: participants,
            rounds: rounds,
            strategy: RunPlan.StrategyChoice(
                name: strategy, serverLearningRate: serverLearningRate, serverMomentum: serverMomentum),
            local: RunPlan.LocalChoice(epochs: localEpochs, batchSize: batchSize, learningRate: learningRate),
            fraction: fraction, sampling: sampling, minFitResults: minFitResults, minFitFraction: minFitFraction,
            dp: dp, secureAggregation: secureAggregation, evalEvery: evalEvery, seed: seed,
            charter: charter ?? self.charter,
            federation: RunPlan.FederationChoice(
                roundDeadlineSeconds: roundDeadlineSeconds, waitForParticipants: waitForParticipants,
                waitTimeoutSeconds: waitTimeoutSeconds, retryBackoffSeconds: retryBackoffSeconds,
                maxRetries: maxRetries, heartbeatSeconds: heartbeatSeconds,
                maxExamplesPerParticipant: maxExamplesPerParticipant,
                excludeAfterInvalidReplies: excludeAfterInvalidReplies),
            tabular: try? tabular?.choice())
    }
}
