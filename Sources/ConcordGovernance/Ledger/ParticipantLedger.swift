import ConcordPrivacy

/// The privacy one participant has spent, kept by the participant itself, and the cap it will not exceed whatever
/// the coordinator asks.
///
/// Before each round the participant could be sampled in, it checks the round's mechanism parameters (sampling
/// rate q, noise multiplier z, δ) against the charter (``Charter/check(task:)``), asks ``refusal(for:)`` whether
/// the round would take its ε past its cap, and, if it takes part, ``record(_:)``s the round. With Poisson
/// sampling every such round costs privacy whether or not the participant was drawn, so every round is recorded.
/// Once the next round would exceed the cap, the participant answers no, independently of the coordinator.
public struct ParticipantLedger: Sendable, Codable, Equatable {
    /// One round the participant accepted.
    public struct Round: Sendable, Codable, Equatable {
        /// The round number.
        public var round: Int
        /// The sampling rate q it verified.
        public var samplingRate: Double
        /// The noise multiplier z it verified.
        public var noiseMultiplier: Double
        /// The δ of the round.
        public var delta: Double
    }

    /// The participant's name.
    public let participant: String
    /// The most ε it will spend.
    public let epsilonCap: Double
    /// The accounting, at the δ the cap is stated at.
    public private(set) var ledger: PrivacyLedger
    /// The rounds accepted, in order.
    public private(set) var rounds: [Round] = []

    /// Creates an empty ledger for a participant with an ε cap at δ.
    ///
    /// - Throws: ``ConcordPrivacy/PrivacyError/invalidParameter(_:)`` for a cap that is not positive or δ not in
    ///   (0, 1).
    public init(participant: String, epsilonCap: Double, delta: Double) throws(PrivacyError) {
        self.participant = participant
        self.epsilonCap = epsilonCap
        self.ledger = try PrivacyLedger(delta: delta, epsilonBudget: epsilonCap)
    }

    /// Creates the ledger of a charter's participant: its own cap, at the charter's largest δ.
    ///
    /// - Throws: ``ConcordPrivacy/PrivacyError`` when the charter's numbers are out of range.
    public init(for participant: Charter.Participant, under charter: Charter) throws(PrivacyError) {
        try self.init(
            participant: participant.name, epsilonCap: participant.epsilonCap, delta: charter.privacy.maxDelta)
    }

    /// The δ every ε here is stated at.
    public var delta: Double { ledger.delta }

    /// The ε spent so far.
    public var epsilonSpent: Double { ledger.epsilonSpent }

    /// Why the participant must not take part in `task`'s round; nil when it may.
    public func refusal(for task: ParticipantTask) -> String? {
        if let reason = taskRefusal(task) { return reason }
        guard
            let reason = ledger.refusal(
                round: task.round, samplingRate: task.samplingRate, noiseMultiplier: task.noiseMultiplier ?? 0)
        else { return nil }
        return capped(reason)
    }

    /// Whether the participant may take part in `task`'s round.
    public func mayTakePart(in task: ParticipantTask) -> Bool { refusal(for: task) == nil }

    /// Records `task`'s round when the participant may take part in it, accounting it once; otherwise
    /// records nothing and returns the refusal ``refusal(for:)`` would give.
    public mutating func admit(_ task: ParticipantTask) -> String? {
        if let reason = taskRefusal(task) { return reason }
        let z = task.noiseMultiplier ?? 0
        if let reason = ledger.recordWithinBudget(
            round: task.round, samplingRate: task.samplingRate, noiseMultiplier: z, clipNorm: 0)
        {
            return capped(reason)
        }
        rounds.append(Round(round: task.round, samplingRate: task.samplingRate, noiseMultiplier: z, delta: task.delta))
        return nil
    }

    /// Records a round the participant accepted.
    ///
    /// - Throws: ``ConcordPrivacy/PrivacyError/invalidParameter(_:)`` when ``refusal(for:)`` refuses the round
    ///   (nothing is recorded).
    public mutating func record(_ task: ParticipantTask) throws(PrivacyError) {
        if let reason = admit(task) { throw .invalidParameter(reason) }
    }

    /// Why the task itself is unacceptable (a round already accounted, no noise, a larger δ), before its ε.
    private func taskRefusal(_ task: ParticipantTask) -> String? {
        if let last = rounds.last, task.round <= last.round {
            return "\(participant): round \(task.round) comes after round \(last.round) was already accounted"
        }
        guard let z = task.noiseMultiplier, z > 0 else {
            return "\(participant): round \(task.round) adds no noise, so its ε is unbounded"
        }
        guard task.delta <= delta else {
            return "\(participant): round \(task.round) states δ = \(task.delta) > \(delta), the δ of its cap"
        }
        return nil
    }

    private func capped(_ reason: String) -> String { "\(participant) (cap ε = \(epsilonCap)): \(reason)" }
}
