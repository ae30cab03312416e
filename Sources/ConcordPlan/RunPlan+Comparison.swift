import Foundation

extension RunPlan {
    /// The plan's canonical JSON (sorted keys): what a run store keeps with the run.
    ///
    /// - Throws: an `EncodingError`, which a plan's plain values do not raise.
    public func canonicalJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads a plan a run store kept.
    ///
    /// - Throws: ``PlanError/invalid(field:problem:)`` when the text is not a plan.
    public init(canonicalJSON text: String) throws(PlanError) {
        do {
            self = try JSONDecoder().decode(RunPlan.self, from: Data(text.utf8))
        } catch {
            throw .invalid(field: "plan", problem: "the stored plan cannot be read: \(error)")
        }
    }

    /// Every field in which this (given) plan differs from `stored`, in the plan's order.
    public func differences(from stored: RunPlan) -> [PlanDifference] {
        let mine = fields, theirs = stored.fields
        var differences: [PlanDifference] = []
        for (field, value) in mine {
            let old = theirs.first { $0.field == field }?.value ?? "none"
            if old != value { differences.append(PlanDifference(field: field, stored: old, given: value)) }
        }
        for (field, value) in theirs where !mine.contains(where: { $0.field == field }) {
            differences.append(PlanDifference(field: field, stored: value, given: "none"))
        }
        // A wrapper turned on or off is one difference, not one per setting of it.
        let toggled = Set(differences.map(\.field)).intersection(["dp", "secure_aggregation", "tabular"])
        return differences.filter { difference in
            !toggled.contains { difference.field.hasPrefix($0 + ".") }
        }
    }

    /// Checks that this plan may resume a run stored with `stored`.
    ///
    /// - Parameter accepted: fields whose change the operator accepts (`--accept-changed`); each must be one of
    ///   ``PlanDifference/safeFields``.
    /// - Returns: the differences accepted (to be logged).
    /// - Throws: ``PlanError/notSafeToChange(field:safe:)`` for an accepted field that is not safe;
    ///   ``PlanError/changed(_:)`` listing every difference not accepted.
    @discardableResult
    public func checkResume(
        of stored: RunPlan, accepting accepted: Set<String> = []
    ) throws(PlanError)
        -> [PlanDifference]
    {
        if let unsafe = accepted.sorted().first(where: { !PlanDifference.safeFields.contains($0) }) {
            throw .notSafeToChange(field: unsafe, safe: PlanDifference.safeFields)
        }
        let differences = differences(from: stored)
        let refused = differences.filter { !accepted.contains($0.field) }
        guard refused.isEmpty else { throw .changed(refused) }
        return differences
    }

    /// Every field with its value as text, named as the YAML names it; an absent wrapper (`dp`,
    /// `secure_aggregation`) is one field, "off".
    var fields: [(field: String, value: String)] {
        func text<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "none" }
        var fields: [(String, String)] = [
            ("model", model), ("dataset", dataset), ("partition", text(partition)),
            ("participants", "\(participants)"),
            ("participant_names", participantNames.map { $0.joined(separator: ", ") } ?? "none"),
            ("rounds", "\(rounds)"), ("strategy", strategy.name),
            ("server_learning_rate", text(strategy.serverLearningRate)),
            ("server_momentum", text(strategy.serverMomentum)), ("stragglers", "\(strategy.stragglers)"),
            ("local_epochs", "\(local.epochs)"), ("batch_size", "\(local.batchSize)"),
            ("learning_rate", "\(local.learningRate)"), ("fraction", "\(fraction)"),
            ("sampling", sampling.rawValue), ("min_fit_results", "\(minFitResults)"),
            ("min_fit_fraction", "\(minFitFraction)"), ("eval_every", "\(evalEvery)"),
            ("target_accuracy", text(targetAccuracy)), ("seed", text(seed)), ("charter", text(charter)),
        ]
        if let dp {
            fields += [
                ("dp", "on"),
                ("dp.noise_multiplier", "\(dp.noiseMultiplier)"), ("dp.clip", "\(dp.clip)"),
                ("dp.adaptive", "\(dp.adaptive)"), ("dp.target_quantile", "\(dp.targetQuantile)"),
                ("dp.client_side", "\(dp.clientSide)"), ("dp.delta", "\(dp.delta)"),
                ("dp.epsilon_budget", text(dp.epsilonBudget)), ("dp.level", dp.resolvedLevel.rawValue),
                ("dp.record_sampling_rate", text(dp.recordSamplingRate)),
            ]
        } else {
            fields.append(("dp", "off"))
        }
        if let s = secureAggregation {
            fields += [
                ("secure_aggregation", "on"),
                ("secure_aggregation.neighbours", text(s.neighbours)),
                ("secure_aggregation.threshold", text(s.threshold)),
                ("secure_aggregation.expected_dropout", "\(s.expectedDropout)"),
                ("secure_aggregation.corrupt_fraction", "\(s.corruptFraction)"),
                ("secure_aggregation.bits", "\(s.bits)"), ("secure_aggregation.clip_range", "\(s.clipRange)"),
                ("secure_aggregation.max_weight", "\(s.maxWeight)"),
            ]
        } else {
            fields.append(("secure_aggregation", "off"))
        }
        if let f = federation {
            fields += [
                ("round_deadline_seconds", "\(f.roundDeadlineSeconds)"),
                ("wait_for_participants", text(f.waitForParticipants)),
                ("wait_timeout_seconds", "\(f.waitTimeoutSeconds)"),
                ("retry_backoff_seconds", "\(f.retryBackoffSeconds)"), ("max_retries", "\(f.maxRetries)"),
                ("heartbeat_seconds", "\(f.heartbeatSeconds)"),
                ("max_examples_per_participant", text(f.maxExamplesPerParticipant)),
                ("exclude_after_invalid_replies", "\(f.excludeAfterInvalidReplies)"),
            ]
        }
        return fields + tabularFields
    }
}
