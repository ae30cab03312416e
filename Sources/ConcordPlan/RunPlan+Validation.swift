import ConcordFederation
import ConcordNN
import ConcordPrivacy

extension RunPlan {
    /// Checks every field, with one set of rules for `simulate` and `serve`.
    ///
    /// - Throws: ``PlanError/invalid(field:problem:)`` naming the first field that is wrong, in the YAML's
    ///   snake_case (`eval_every`, `dp.noise_multiplier`).
    public func validate() throws(PlanError) {
        func check(_ condition: Bool, _ field: String, _ problem: @autoclosure () -> String) throws(PlanError) {
            if !condition { throw .invalid(field: field, problem: problem()) }
        }
        try check(
            ModelZoo.isKnown(model) || Self.namesModelFile(model), "model",
            "names an unknown model '\(model)' (known: \(ModelZoo.names.joined(separator: ", ")), mlp:WIDTH, "
                + "or a model description file .yaml/.yml/.json)")
        try check(participants >= 1, "participants", "must be at least 1")
        try tabular?.validate()
        try check(rounds >= 1, "rounds", "must be at least 1")
        do {
            _ = try StrategySpecification(parsing: strategy.name)
        } catch {
            throw .invalid(field: "strategy", problem: "cannot be read: \(error)")
        }
        if let rate = strategy.serverLearningRate {
            try check(rate > 0 && rate.isFinite, "server_learning_rate", "must be positive")
        }
        if let momentum = strategy.serverMomentum {
            try check((0..<1).contains(momentum), "server_momentum", "must be in [0, 1)")
        }
        try check((0...1).contains(strategy.stragglers), "stragglers", "must be in [0, 1]")
        try check(local.epochs >= 1, "local_epochs", "must be at least 1")
        try check(local.batchSize >= 0, "batch_size", "must be ≥ 0 (0: the whole local dataset)")
        try check(local.learningRate > 0 && local.learningRate.isFinite, "learning_rate", "must be positive")
        try check(fraction > 0 && fraction <= 1, "fraction", "must be in (0, 1]")
        try check(
            minFitResults >= 0 && minFitResults <= participants, "min_fit_results",
            "must be between 0 and the \(participants) participants")
        try check(minFitFraction >= 0 && minFitFraction <= 1, "min_fit_fraction", "must be in [0, 1]")
        try check(evalEvery >= 0, "eval_every", "must be ≥ 0 (0: only the last round)")
        if let target = targetAccuracy { try check(target > 0 && target <= 1, "target_accuracy", "must be in (0, 1]") }
        if let names = participantNames {
            try check(names.count == participants, "participants", "must list \(participants) names")
        }
        if let dp { try dp.validate() }
        if let secureAggregation { try secureAggregation.validate() }
        if let federation { try federation.validate(participants: participants) }
    }

    /// Whether `model` names a model description file (`.yaml`, `.yml` or `.json`) rather than a zoo model.
    public static func namesModelFile(_ model: String) -> Bool {
        [".yaml", ".yml", ".json"].contains { model.lowercased().hasSuffix($0) }
    }
}

extension RunPlan.DPChoice {
    func validate() throws(PlanError) {
        guard noiseMultiplier >= 0, noiseMultiplier.isFinite else {
            throw .invalid(field: "dp.noise_multiplier", problem: "must be ≥ 0")
        }
        guard clip > 0, clip.isFinite else { throw .invalid(field: "dp.clip", problem: "must be positive") }
        guard targetQuantile > 0, targetQuantile < 1 else {
            throw .invalid(field: "dp.target_quantile", problem: "must be in (0, 1)")
        }
        guard delta > 0, delta < 1 else { throw .invalid(field: "dp.delta", problem: "must be in (0, 1)") }
        if let epsilonBudget, !(epsilonBudget > 0) {
            throw .invalid(field: "dp.epsilon_budget", problem: "must be positive")
        }
        try validateLevel()
    }
}

extension RunPlan.SecureAggregationChoice {
    func validate() throws(PlanError) {
        if let neighbours, neighbours < 2 {
            throw .invalid(field: "secure_aggregation.neighbours", problem: "must be at least 2")
        }
        do throws(SecureAggregationError) {
            _ = try settings.plan(participants: 100, dimension: 1, weighting: .uniform)
        } catch {
            throw .invalid(field: "secure_aggregation", problem: "cannot be used: \(error.description)")
        }
    }
}

extension RunPlan.FederationChoice {
    func validate(participants: Int) throws(PlanError) {
        let week = 7 * 86_400.0
        if let most = maxExamplesPerParticipant, most < 1 {
            throw .invalid(field: "max_examples_per_participant", problem: "must be at least 1")
        }
        if excludeAfterInvalidReplies < 0 {
            throw .invalid(field: "exclude_after_invalid_replies", problem: "must be ≥ 0 (0: never)")
        }
        if !(retryBackoffSeconds >= 0 && retryBackoffSeconds <= 3600) {
            throw .invalid(field: "retry_backoff_seconds", problem: "must be between 0 and 3600")
        }
        if let wait = waitForParticipants, wait < 0 || wait > participants {
            throw .invalid(
                field: "wait_for_participants", problem: "must be between 0 and the \(participants) participants")
        }
        if !(roundDeadlineSeconds > 0 && roundDeadlineSeconds <= week) {
            throw .invalid(
                field: "round_deadline_seconds", problem: "must be positive and at most a week (\(Int(week)))")
        }
        if !(waitTimeoutSeconds > 0 && waitTimeoutSeconds <= week) {
            throw .invalid(field: "wait_timeout_seconds", problem: "must be positive and at most a week (\(Int(week)))")
        }
        if !(heartbeatSeconds >= 0.1 && heartbeatSeconds <= 3600) {
            throw .invalid(field: "heartbeat_seconds", problem: "must be between 0.1 and 3600")
        }
        if maxRetries < 0 { throw .invalid(field: "max_retries", problem: "must be ≥ 0") }
    }
}
