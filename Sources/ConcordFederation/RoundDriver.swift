/// How one round went, as the round driver reports it to the simulation's loop and to a federation's.
public enum RoundOutcome: Sendable {
    /// The round produced new parameters.
    case completed(RoundRecord)
    /// The round kept the previous parameters: too few results arrived (or their aggregation failed; the
    /// record's error says which). A simulation goes on to the next round; a federation retries this one.
    case tooFewResults(RoundRecord)
    /// The strategy refused the round (a privacy budget that the round would exceed); nothing ran.
    case budgetExhausted(reason: String)
}

/// Why a run of rounds ended.
public enum RunOutcome: Sendable, Equatable, CustomStringConvertible {
    /// Every round asked for ran.
    case completed(rounds: Int)
    /// The strategy refused the next round (its privacy budget); the model is the last affordable one.
    case budgetExhausted(reason: String)
    /// An evaluated round reached the target accuracy.
    case targetReached(round: Int)
    /// An operator stopped the run (`concord run stop`) before its last round; it resumes where it is.
    case stopped(reason: String)

    /// The reason, as logs, progress lines and the dashboard show it.
    public var description: String {
        switch self {
        case .completed(let rounds): "completed \(rounds) rounds"
        case .budgetExhausted(let reason): reason
        case .targetReached(let round): "stopped after round \(round)"
        case .stopped(let reason): reason
        }
    }
}

/// The rounds a run ran and why it ended.
public struct RunResult: Sendable {
    /// The records of the rounds this run ran, in order.
    public var records: [RoundRecord]
    /// Why it ended.
    public var outcome: RunOutcome

    /// Describes a run's end.
    public init(records: [RoundRecord], outcome: RunOutcome) {
        self.records = records
        self.outcome = outcome
    }
}

extension Coordinator {
    /// Runs the next round, unless the strategy refuses it, and says how it went: the one round driver the
    /// simulation's ``run(rounds:targetAccuracy:)`` and a federation's loop both use.
    ///
    /// - Parameter forceEvaluation: evaluate centrally even if this is not an `evalEvery` round.
    public func drive(forceEvaluation: Bool) async -> RoundOutcome {
        if let refusal = strategy.refusal(round: history.count + 1) { return .budgetExhausted(reason: refusal) }
        let record = await runRound(forceEvaluation: forceEvaluation)
        return record.error == nil ? .completed(record) : .tooFewResults(record)
    }

    /// Runs up to `rounds` rounds, stopping at the first evaluated round whose accuracy reaches `targetAccuracy`
    /// or when the strategy refuses a round; a round with too few results keeps the model and the run goes on.
    ///
    /// - Returns: the records of the rounds this call ran and why it ended.
    public func run(rounds: Int, targetAccuracy: Double? = nil) async -> RunResult {
        var records: [RoundRecord] = []
        var outcome = RunOutcome.completed(rounds: rounds)
        rounds: for _ in 0..<rounds {
            let record: RoundRecord
            switch await drive(forceEvaluation: records.count + 1 == rounds) {
            case .budgetExhausted(let reason):
                outcome = .budgetExhausted(reason: reason)
                await evaluateLastRoundIfNeeded(&records)
                break rounds
            case .completed(let done), .tooFewResults(let done):
                record = done
            }
            records.append(record)
            if let target = targetAccuracy, let accuracy = record.evaluation?.accuracy, accuracy >= target {
                outcome = .targetReached(round: record.round)
                break
            }
        }
        publish(.runFinished(rounds: records.count, reason: outcome.description))
        return RunResult(records: records, outcome: outcome)
    }
}
