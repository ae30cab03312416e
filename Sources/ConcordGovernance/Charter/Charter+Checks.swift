import ConcordFederation

extension Charter {
    /// Checks a run against the charter before it starts: a permitted task (model, layout, strategy, rounds) and
    /// the privacy floor, at the charter's level (for `record`, the budget is each node's ε after the last round).
    ///
    /// - Throws: the first ``CharterViolation``, naming its clause (`tasks[0].strategies`,
    ///   `privacy.min_noise_multiplier`…).
    public func check(_ request: RunRequest) throws(CharterViolation) {
        let candidates = tasks.indices.filter { tasks[$0].model == request.model }
        guard let first = candidates.first else {
            let permitted = tasks.map { "'\($0.model)'" }.joined(separator: ", ")
            throw CharterViolation(
                clause: "tasks", reason: "no task permits the model '\(request.model)' (permitted: \(permitted))")
        }
        guard let i = candidates.first(where: { tasks[$0].layoutHash == request.layoutHash }) else {
            throw CharterViolation(
                clause: "tasks[\(first)].layout_hash",
                reason: "the model's layout hash \(request.layoutHash.prefix(16))… is not the permitted "
                    + "\(tasks[first].layoutHash.prefix(16))…")
        }
        let task = tasks[i]
        let requested: StrategySpecification
        do {
            requested = try StrategySpecification(parsing: request.strategy)
        } catch {
            throw CharterViolation(clause: "tasks[\(i)].strategies", reason: "\(error)")
        }
        guard task.strategies.contains(where: { Self.same($0, requested) }) else {
            throw CharterViolation(
                clause: "tasks[\(i)].strategies",
                reason: "'\(request.strategy)' is not permitted (permitted: \(task.strategies.joined(separator: ", ")))"
            )
        }
        guard request.rounds >= 1, request.rounds <= task.maxRounds else {
            throw CharterViolation(clause: "tasks[\(i)].max_rounds", reason: "\(request.rounds) > \(task.maxRounds)")
        }
        try checkFloor(
            noiseMultiplier: request.noiseMultiplier, delta: request.delta,
            secureAggregation: request.secureAggregation, level: request.level)
        guard let budget = request.epsilonBudget else {
            throw CharterViolation(
                clause: "privacy.max_epsilon",
                reason: "the run has no ε budget; the charter caps it at \(fmt(privacy.maxEpsilon))")
        }
        guard budget <= privacy.maxEpsilon else {
            throw CharterViolation(clause: "privacy.max_epsilon", reason: "\(fmt(budget)) > \(fmt(privacy.maxEpsilon))")
        }
    }

    /// A participant's check of what it received for a round: the charter it signed, a permitted layout within
    /// its task's rounds, and the privacy floor. A participant refuses a task this throws for.
    ///
    /// - Throws: the first ``CharterViolation``, naming its clause.
    public func check(task: ParticipantTask) throws(CharterViolation) {
        if let claimed = task.charterHash, claimed != hash {
            throw CharterViolation(
                clause: "charter",
                reason: "the round is under charter \(claimed.prefix(16))…, not the signed \(hash.prefix(16))…")
        }
        let matching = tasks.indices.filter { tasks[$0].layoutHash == task.layoutHash }
        guard let first = matching.first else {
            throw CharterViolation(
                clause: "tasks", reason: "no task permits the model layout \(task.layoutHash.prefix(16))…")
        }
        let maxRounds = matching.map { tasks[$0].maxRounds }.max() ?? tasks[first].maxRounds
        guard task.round >= 1, task.round <= maxRounds else {
            throw CharterViolation(clause: "tasks[\(first)].max_rounds", reason: "round \(task.round) > \(maxRounds)")
        }
        guard task.samplingRate > 0, task.samplingRate <= 1 else {
            throw CharterViolation(
                clause: "privacy", reason: "the sampling rate \(task.samplingRate) is not in (0, 1]")
        }
        try checkFloor(
            noiseMultiplier: task.noiseMultiplier, delta: task.delta, secureAggregation: task.secureAggregation,
            level: task.level)
    }

    private func checkFloor(
        noiseMultiplier: Double?, delta: Double, secureAggregation: Bool, level: Charter.PrivacyLevel
    )
        throws(CharterViolation)
    {
        // A run without noise has no level; the noise floor below decides whether it may run.
        if noiseMultiplier != nil, level != privacy.level {
            throw CharterViolation(
                clause: "privacy.level",
                reason: "the charter's guarantee is \(privacy.level.rawValue)-level, the run's DP is \(level.rawValue)-level")
        }
        if privacy.secureAggregationRequired, !secureAggregation {
            throw CharterViolation(
                clause: "privacy.secure_aggregation", reason: "required, but the run does not securely aggregate")
        }
        let z = noiseMultiplier ?? 0
        guard z >= privacy.minNoiseMultiplier else {
            let asked = noiseMultiplier.map(fmt) ?? "no noise"
            throw CharterViolation(
                clause: "privacy.min_noise_multiplier", reason: "\(asked) < \(fmt(privacy.minNoiseMultiplier))")
        }
        guard delta > 0 else { throw CharterViolation(clause: "privacy.max_delta", reason: "δ must be positive") }
        guard delta <= privacy.maxDelta else {
            throw CharterViolation(clause: "privacy.max_delta", reason: "\(fmt(delta)) > \(fmt(privacy.maxDelta))")
        }
    }

    private func fmt(_ value: Double) -> String { CanonicalValue.realText(value) }

    /// Whether two strategy texts name the same strategy (`median` is `median+fedavg`).
    static func same(_ text: String, _ requested: StrategySpecification) -> Bool {
        guard let permitted = try? StrategySpecification(parsing: text) else { return false }
        return permitted.aggregation == requested.aggregation && permitted.step == requested.step
            && permitted.proximalMu == requested.proximalMu
    }
}
