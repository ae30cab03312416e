/// One participant's successful answer in a round.
public struct FitResult: Sendable, Equatable {
    /// The participant.
    public var participant: Int
    /// What it sent.
    public var update: ClientUpdate

    /// Creates a result.
    public init(participant: Int, update: ClientUpdate) {
        self.participant = participant
        self.update = update
    }
}

/// One participant that did not contribute to a round, and why.
public struct ParticipantFailure: Sendable, Equatable, Codable {
    /// The participant.
    public var participant: Int
    /// A human-readable reason ("missed the round deadline", the error it raised).
    public var reason: String

    /// Creates a failure record.
    public init(participant: Int, reason: String) {
        self.participant = participant
        self.reason = reason
    }
}

/// The new global parameters a strategy computed, with anything it wants reported.
public struct AggregateResult: Sendable, Equatable {
    /// The next global parameters.
    public var parameters: Parameters
    /// Strategy metrics for this round (e.g. the weighted mean of participants' losses).
    public var metrics: [String: Double]

    /// Creates an aggregate.
    public init(parameters: Parameters, metrics: [String: Double] = [:]) {
        self.parameters = parameters
        self.metrics = metrics
    }
}

/// Decides who trains with what (`configureFit`, `configureEvaluate`) and how their results combine
/// (`aggregateFit`, `aggregateEvaluate`), as Flower's `Strategy` does.
///
/// A strategy is a value: whatever it carries between rounds (server moments, control variates) lives
/// in its stored properties, so encoding the value checkpoints the strategy (see ``Checkpoint``).
public protocol Strategy: Sendable, Codable {
    /// A short description for reports ("mean + fedadam(η=0.01,…)").
    var name: String { get }

    /// Whether the next parameters depend on the results only through their weighted sum, which is all
    /// secure aggregation reveals and what differential privacy's noise protects; false for strategies
    /// that need individual updates (robust statistics, per-participant state).
    var aggregatesWeightedSum: Bool { get }

    /// The instructions for the participants the coordinator sampled this round.
    ///
    /// - Parameters:
    ///   - round: the round number, from 1.
    ///   - parameters: the current global parameters.
    ///   - participants: the sampled participants, in ascending order.
    ///   - seed: this round's seed; derive per-participant seeds from it for reproducibility.
    func configureFit(round: Int, parameters: Parameters, participants: [Int], seed: UInt64) -> [Int: FitInstruction]

    /// Combines the round's results (sorted by participant) into the next global parameters.
    ///
    /// - Throws: when the results cannot be combined (e.g. layouts differ); the round then fails and
    ///   the previous parameters are kept.
    mutating func aggregateFit(
        round: Int, current: Parameters, results: [FitResult],
        failures: [ParticipantFailure]
    ) throws -> AggregateResult

    /// How participants' updates are weighted when only their sum is revealed (secure aggregation).
    var sumWeighting: SumWeighting { get }

    /// Combines the round's results when only their sum is known (secure aggregation): the sum of the
    /// participants' updates weighted as ``sumWeighting`` says.
    ///
    /// - Throws: when the strategy needs individual updates, or as ``aggregateFit(round:current:results:failures:)``.
    mutating func aggregateSum(
        round: Int, current: Parameters, sum: UpdateSum, failures: [ParticipantFailure]
    ) throws -> AggregateResult

    /// Why round `round` must not start (a privacy budget it would exceed), or nil when it may. The
    /// coordinator asks before every round and ends the run, keeping the current model, on a refusal.
    func refusal(round: Int) -> String?

    /// Which of the available participants evaluate the global parameters on their own data (none by default).
    func configureEvaluate(round: Int, parameters: Parameters, available: [Int]) -> [Int]

    /// Combines participants' evaluations (weighted by example count by default).
    func aggregateEvaluate(round: Int, results: [(participant: Int, result: EvaluationResult)]) -> EvaluationResult?

    /// The strategy to resume with: `checkpointed`, decoded from a ``Checkpoint``, with what this one (the run's,
    /// as configured) holds that a checkpoint never stores, such as a secret. By default `checkpointed` itself.
    func resuming(_ checkpointed: Self) -> Self
}

extension Strategy {
    /// The type's name.
    public var name: String { String(describing: Self.self) }

    /// A checkpoint holds all of the strategy.
    public func resuming(_ checkpointed: Self) -> Self { checkpointed }

    /// Not known to be a weighted sum unless the strategy says so.
    public var aggregatesWeightedSum: Bool { false }

    /// Updates weigh by their example count.
    public var sumWeighting: SumWeighting { .exampleCount }

    /// Hands ``aggregateFit(round:current:results:failures:)`` the weighted mean as if one participant,
    /// with all the examples, had sent it: exact for every strategy whose aggregate is a weighted sum.
    public mutating func aggregateSum(
        round: Int, current: Parameters, sum: UpdateSum, failures: [ParticipantFailure]
    ) throws -> AggregateResult {
        guard aggregatesWeightedSum else {
            throw FederationError.invalidConfiguration(
                "'\(name)' needs individual updates, and secure aggregation reveals only their sum")
        }
        let mean = try sum.meanParameters(around: current)
        let combined = FitResult(
            participant: sum.participants.first ?? 0,
            update: ClientUpdate(parameters: mean, exampleCount: Int(sum.totalWeight.rounded())))
        return try aggregateFit(round: round, current: current, results: [combined], failures: failures)
    }

    /// Every round may start.
    public func refusal(round: Int) -> String? { nil }

    /// No federated evaluation.
    public func configureEvaluate(round: Int, parameters: Parameters, available: [Int]) -> [Int] { [] }

    /// The example-weighted mean loss and accuracy.
    public func aggregateEvaluate(
        round: Int, results: [(participant: Int, result: EvaluationResult)]
    ) -> EvaluationResult? {
        let total = results.reduce(0) { $0 + $1.result.exampleCount }
        guard total > 0 else { return nil }
        var loss = 0.0, accuracy = 0.0
        for (_, r) in results {
            loss += r.loss * Double(r.exampleCount)
            accuracy += r.accuracy * Double(r.exampleCount)
        }
        return EvaluationResult(loss: loss / Double(total), accuracy: accuracy / Double(total), exampleCount: total)
    }
}
