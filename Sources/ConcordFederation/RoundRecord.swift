/// What happened in one round: who was asked, who answered, what the model scored.
public struct RoundRecord: Sendable, Equatable, Codable {
    /// The round number, from 1.
    public var round: Int
    /// The participants sampled.
    public var sampled: [Int]
    /// How many results were aggregated.
    public var succeeded: Int
    /// Participants that failed or missed the deadline.
    public var failures: [ParticipantFailure]
    /// Why the round produced no new parameters (too few answers, aggregation refused); nil when it did.
    public var error: String?
    /// Whether the round produced new global parameters.
    public var completed: Bool { error == nil }
    /// Central evaluation of the new global parameters, when this round evaluated.
    public var evaluation: EvaluationResult?
    /// Why central evaluation failed, when it did (the round itself still counts).
    public var evaluationError: String?
    /// Federated evaluation on participants' own data, when configured.
    public var federatedEvaluation: EvaluationResult?
    /// Strategy metrics (e.g. participants' mean training loss).
    public var metrics: [String: Double]
    /// Each answering participant's cumulative record-level ε, as its own accountant reported it (the
    /// `record_epsilon` metric of its update); nil when none reported one. The coordinator cannot check these: the
    /// guarantee is each participant's, enforced by its own ledger.
    public var recordEpsilon: [Int: Double]?
    /// Seconds spent waiting for participants' training.
    public var fitSeconds: Double
    /// Seconds spent aggregating.
    public var aggregateSeconds: Double
    /// Seconds spent on central evaluation.
    public var evaluateSeconds: Double
    /// Wall seconds of the whole round.
    public var seconds: Double
}

/// Something a progress display, a store or a dashboard may want to know as a run proceeds.
public enum RoundEvent: Sendable {
    /// A round began with these participants.
    case roundStarted(round: Int, participants: [Int])
    /// A participant answered or failed.
    case participantFinished(round: Int, participant: Int, succeeded: Bool, done: Int, of: Int)
    /// A round ended.
    case roundFinished(RoundRecord)
    /// The run ended.
    case runFinished(rounds: Int, reason: String)
}
