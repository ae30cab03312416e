import Foundation

/// The privacy a run has spent, round by round, and the budget it may not exceed.
///
/// Every round that releases a noised aggregate is recorded with its mechanism parameters (sampling rate
/// q, noise multiplier z, clip norm C) and the run's cumulative ε at δ after it, from an ``RDPAccountant``.
/// Before a round starts, ``refusal(round:samplingRate:noiseMultiplier:)`` says whether it would take the
/// run past its budget: the run then stops with the model of the last affordable round.
public struct PrivacyLedger: Sendable, Codable, Equatable {
    /// One released round.
    public struct Entry: Sendable, Codable, Equatable {
        /// The round number.
        public var round: Int
        /// The sampling rate the round was accounted with (1 when there was no amplification).
        public var samplingRate: Double
        /// The noise multiplier z of the round (for the updates and the clip-norm estimate together).
        public var noiseMultiplier: Double
        /// The clip norm C the updates were clipped to.
        public var clipNorm: Double
        /// The run's cumulative ε at the ledger's δ after this round.
        public var epsilon: Double
    }

    /// The δ of every ε the ledger states.
    public let delta: Double
    /// The most ε the run may spend; nil to account without a limit.
    public let epsilonBudget: Double?
    /// The accountant holding the RDP of every round so far.
    public private(set) var accountant: RDPAccountant
    /// The rounds released so far.
    public private(set) var entries: [Entry] = []

    /// Creates an empty ledger.
    ///
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` when δ is not in (0, 1) or the budget is not positive.
    public init(delta: Double, epsilonBudget: Double?) throws(PrivacyError) {
        guard delta > 0, delta < 1 else { throw .invalidParameter("δ must be in (0, 1), got \(delta)") }
        if let epsilonBudget, !(epsilonBudget > 0) {
            throw .invalidParameter("the ε budget must be positive, got \(epsilonBudget)")
        }
        self.delta = delta
        self.epsilonBudget = epsilonBudget
        self.accountant = RDPAccountant()
    }

    /// The ε spent so far (0 before the first round).
    public var epsilonSpent: Double { entries.last?.epsilon ?? 0 }

    /// The cumulative ε if one more round with these parameters were released.
    ///
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` for parameters out of range.
    public func epsilon(
        afterAnotherRoundWith samplingRate: Double, noiseMultiplier: Double
    ) throws(PrivacyError)
        -> Double
    {
        try afterAnotherRound(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier).epsilon
    }

    /// The accountant and the cumulative ε one more round would leave: the one composition that
    /// ``refusal(round:samplingRate:noiseMultiplier:)``, ``record(round:samplingRate:noiseMultiplier:clipNorm:)``
    /// and ``recordWithinBudget(round:samplingRate:noiseMultiplier:clipNorm:)`` share.
    private func afterAnotherRound(
        samplingRate: Double, noiseMultiplier: Double
    ) throws(PrivacyError) -> (accountant: RDPAccountant, epsilon: Double) {
        var next = accountant
        try next.compose(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier)
        return (next, try next.epsilon(delta: delta).epsilon)
    }

    /// Why round `round` must not start: it would exceed the budget, or its ε cannot be computed.
    public func refusal(round: Int, samplingRate: Double, noiseMultiplier: Double) -> String? {
        guard epsilonBudget != nil else { return nil }
        do {
            let next = try afterAnotherRound(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier)
            return refusal(round: round, epsilon: next.epsilon)
        } catch {
            return Self.unaccountable(round: round, error)
        }
    }

    /// The refusal of a round that would bring the run to `epsilon`, or nil within the budget.
    private func refusal(round: Int, epsilon next: Double) -> String? {
        guard let epsilonBudget, next > epsilonBudget else { return nil }
        let kept = entries.last.map { "the model of round \($0.round)" } ?? "the initial model"
        return "privacy budget exhausted: round \(round) would bring ε to "
            + "\(Self.format(next)) > the budget \(Self.format(epsilonBudget)) at δ = \(delta); "
            + "stopping with \(kept) (ε = \(Self.format(epsilonSpent)))"
    }

    private static func unaccountable(round: Int, _ error: PrivacyError) -> String {
        "privacy budget: round \(round) cannot be accounted (\(error)); stopping"
    }

    /// Records a released round and returns its entry.
    ///
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` for parameters out of range (nothing is recorded).
    @discardableResult
    public mutating func record(
        round: Int, samplingRate: Double, noiseMultiplier: Double, clipNorm: Double
    ) throws(PrivacyError) -> Entry {
        let next = try afterAnotherRound(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier)
        return append(
            round: round, samplingRate: samplingRate, noiseMultiplier: noiseMultiplier, clipNorm: clipNorm, next)
    }

    /// Records the round when it stays within the budget, composing it once; otherwise records nothing and
    /// returns the refusal ``refusal(round:samplingRate:noiseMultiplier:)`` would give.
    public mutating func recordWithinBudget(
        round: Int, samplingRate: Double, noiseMultiplier: Double, clipNorm: Double
    ) -> String? {
        do {
            let next = try afterAnotherRound(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier)
            if let refusal = refusal(round: round, epsilon: next.epsilon) { return refusal }
            append(round: round, samplingRate: samplingRate, noiseMultiplier: noiseMultiplier, clipNorm: clipNorm, next)
            return nil
        } catch {
            return Self.unaccountable(round: round, error)
        }
    }

    @discardableResult
    private mutating func append(
        round: Int, samplingRate: Double, noiseMultiplier: Double, clipNorm: Double,
        _ next: (accountant: RDPAccountant, epsilon: Double)
    ) -> Entry {
        accountant = next.accountant
        let entry = Entry(
            round: round, samplingRate: samplingRate, noiseMultiplier: noiseMultiplier, clipNorm: clipNorm,
            epsilon: next.epsilon)
        entries.append(entry)
        return entry
    }

    static func format(_ epsilon: Double) -> String {
        epsilon.isFinite ? String(format: "%.4g", epsilon) : "∞"
    }
}
