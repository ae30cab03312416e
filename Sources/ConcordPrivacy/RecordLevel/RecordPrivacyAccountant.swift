import ConcordFederation
import ConcordNN

/// One participant's own account of its record-level privacy: the RDP of every DP-SGD step it has released,
/// composed in an ``RDPAccountant``, and the ε at δ it amounts to.
///
/// Each step is the sampled Gaussian mechanism with the node's per-record sampling rate q and noise multiplier σ;
/// a round of E local epochs is E·round(1/q) of them. The guarantee is about one record of this participant's
/// data, whoever else takes part.
public actor RecordPrivacyAccountant {
    /// The δ at which ε is stated.
    public nonisolated let delta: Double
    /// The composed RDP so far.
    public private(set) var accountant = RDPAccountant()
    /// The DP-SGD steps released so far.
    public private(set) var steps = 0

    /// An accountant that has composed nothing.
    ///
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` when δ is not in (0, 1).
    public init(delta: Double) throws(PrivacyError) {
        guard delta > 0, delta < 1 else { throw .invalidParameter("δ must be in (0, 1), got \(delta)") }
        self.delta = delta
    }

    /// Composes `steps` DP-SGD steps with these settings.
    ///
    /// - Returns: the cumulative ε at ``delta``.
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` for settings out of range; nothing is composed then.
    @discardableResult
    public func record(_ configuration: DPSGDConfiguration, steps: Int) throws(PrivacyError) -> Double {
        try accountant.compose(
            samplingRate: configuration.samplingRate, noiseMultiplier: configuration.noiseMultiplier, steps: steps)
        self.steps += steps
        return try accountant.epsilon(delta: delta).epsilon
    }

    /// The cumulative ε at ``delta`` (0 before any step).
    public var epsilon: Double {
        (try? accountant.epsilon(delta: delta).epsilon) ?? .infinity
    }
}

/// A participant that accounts its own record-level privacy: after every round trained with DP-SGD it composes
/// the steps it took in its ``RecordPrivacyAccountant`` and reports the cumulative ε as the `record_epsilon` metric.
public struct RecordPrivacyAccounting: ClientProxy {
    /// The participant trained.
    public let honest: any ClientProxy
    /// Its accountant.
    public let accountant: RecordPrivacyAccountant

    /// Puts `honest` behind its accountant.
    public init(_ honest: any ClientProxy, accountant: RecordPrivacyAccountant) {
        self.honest = honest
        self.accountant = accountant
    }

    /// The participant's id.
    public var id: Int { honest.id }

    /// What the participant may claim.
    public var declaredExamples: Int? { honest.declaredExamples }

    /// Trains, then composes the DP-SGD steps of the round (none without record-level privacy).
    public func fit(_ instruction: FitInstruction) async throws -> ClientUpdate {
        var update = try await honest.fit(instruction)
        if let configuration = instruction.config.recordPrivacy {
            update.metrics["record_epsilon"] = try await accountant.record(configuration, steps: update.steps)
        }
        return update
    }

    /// Evaluation, unchanged.
    public func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        try await honest.evaluate(parameters)
    }
}
