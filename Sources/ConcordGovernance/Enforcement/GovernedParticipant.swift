import ConcordFederation
import ConcordNN
import ConcordPrivacy

/// A participant that enforces the charter it signed on every task it receives, whatever the coordinator
/// says: the charter's hash, a permitted model layout, the privacy floor, and its own ε cap, accounted in
/// its own ``ParticipantLedger`` from the mechanism parameters the task announces (under a record-level charter,
/// in its record-level ledger, ``ConcordPrivacy/RecordPrivacyAccountant``, which sits behind this check).
///
/// Every round up to the one it is asked to join is accounted (with Poisson sampling, each round costs
/// privacy whether or not the participant was drawn); once the next round would take it past its cap, it
/// refuses with the reason, which the coordinator records as that participant's failure while the run goes
/// on with the others.
public struct GovernedParticipant: ClientProxy {
    /// The participant underneath.
    public let honest: any ClientProxy
    /// Its state: the charter, its name and its ledger.
    public let governor: ParticipantGovernor

    /// Wraps a participant.
    public init(honest: any ClientProxy, governor: ParticipantGovernor) {
        self.honest = honest
        self.governor = governor
    }

    /// The wrapped participant's id.
    public var id: Int { honest.id }

    /// Checks the task against the charter and the participant's ledger, then trains.
    ///
    /// - Throws: ``CharterViolation`` or ``GovernanceRefusal`` when the participant refuses the task.
    public func fit(_ instruction: FitInstruction) async throws -> ClientUpdate {
        try await governor.admit(instruction)
        return try await honest.fit(instruction)
    }

    /// Evaluation is not a release: no check.
    public func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        try await honest.evaluate(parameters)
    }
}

/// Why a participant refused a round.
public struct GovernanceRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason, naming the participant.
    public var description: String
}

/// One participant's side of governance: the charter it signed and its own privacy ledger.
public actor ParticipantGovernor {
    /// The charter the participant signed.
    public let charter: Charter
    /// The participant as the charter lists it.
    public let participant: Charter.Participant
    /// The participant's own accounting.
    public private(set) var ledger: ParticipantLedger
    private let charterHash: String

    /// Where the ledger is kept between runs and restarts; nil to keep it in memory (simulation).
    public let ledgerFile: LedgerFile?

    /// Creates the governor of a charter's participant, with a fresh ledger in memory.
    ///
    /// - Throws: ``ConcordPrivacy/PrivacyError`` when the charter's numbers are out of range.
    public init(charter: Charter, participant: Charter.Participant) throws {
        self.charter = charter
        self.participant = participant
        self.ledger = try ParticipantLedger(for: participant, under: charter)
        self.charterHash = charter.hash
        self.ledgerFile = nil
    }

    /// Creates the governor of a charter's participant whose ledger is kept in `ledgerFile`: read from it when it
    /// exists, written to it (before the participant trains) whenever a round is admitted.
    ///
    /// - Throws: ``GovernanceFailure`` when the file cannot be read or is another participant's or charter's.
    public init(charter: Charter, participant: Charter.Participant, ledgerFile: LedgerFile) throws {
        self.charter = charter
        self.participant = participant
        self.charterHash = charter.hash
        self.ledgerFile = ledgerFile
        self.ledger = try ledgerFile.load(participant: participant, charter: charter)
    }

    /// Accounts every round up to the instruction's and admits it, or refuses. With a ledger file, the ledger is
    /// written before the participant trains: a node killed after admitting a round has spent its ε.
    ///
    /// - Throws: ``CharterViolation`` for a task outside the charter; ``GovernanceRefusal`` past the cap or when the
    ///   ledger cannot be written.
    func admit(_ instruction: FitInstruction) throws {
        guard let claimed = instruction.charterHash else {
            throw CharterViolation(
                clause: "charter",
                reason: "the round is under no charter; '\(participant.name)' signed \(charterHash.prefix(16))…")
        }
        if let record = instruction.config.recordPrivacy {
            // Record-level DP-SGD: the floor is checked here; the cap is the participant's record-level ledger's,
            // which admits the round's steps after this check and before training (``RecordPrivacyAccounting``).
            try charter.check(
                task: ParticipantTask(
                    charterHash: claimed, round: instruction.round, layoutHash: instruction.parameters.layout.sha256,
                    samplingRate: record.samplingRate, noiseMultiplier: record.noiseMultiplier,
                    delta: instruction.config.recordPrivacyDelta ?? charter.privacy.maxDelta,
                    secureAggregation: instruction.secureAggregation, level: .record))
            return
        }
        let privacy = instruction.config.privacy
        var task = ParticipantTask(
            charterHash: claimed, round: instruction.round, layoutHash: instruction.parameters.layout.sha256,
            samplingRate: privacy?.samplingRate ?? 1, noiseMultiplier: privacy?.noiseMultiplier,
            delta: privacy?.delta ?? charter.privacy.maxDelta, secureAggregation: instruction.secureAggregation)
        try charter.check(task: task)
        var next = ledger
        let first = (next.rounds.last?.round ?? 0) + 1
        for round in first...max(first, instruction.round) {
            task.round = round
            if let refusal = next.admit(task) { throw GovernanceRefusal(description: refusal) }
        }
        if let ledgerFile {
            do {
                try ledgerFile.save(next, charter: charter)
            } catch {
                throw GovernanceRefusal(description: "\(participant.name) cannot record the round in its ledger: \(error)")
            }
        }
        ledger = next
    }

    /// The ε the participant has accounted.
    public var epsilonSpent: Double { ledger.epsilonSpent }
}
