import ConcordFederation
import ConcordNN
import ConcordPrivacy

/// A participant that enforces the charter it signed on every task it receives, whatever the coordinator
/// says: the charter's hash, a permitted model layout, the privacy floor, and its own ε cap, accounted in
/// its own ``ParticipantLedger`` from the mechanism parameters the task announces.
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

    /// Creates the governor of a charter's participant.
    ///
    /// - Throws: ``ConcordPrivacy/PrivacyError`` when the charter's numbers are out of range.
    public init(charter: Charter, participant: Charter.Participant) throws {
        self.charter = charter
        self.participant = participant
        self.ledger = try ParticipantLedger(for: participant, under: charter)
        self.charterHash = charter.hash
    }

    /// Accounts every round up to the instruction's and admits it, or refuses.
    ///
    /// - Throws: ``CharterViolation`` for a task outside the charter; ``GovernanceRefusal`` past the cap.
    func admit(_ instruction: FitInstruction) throws {
        let privacy = instruction.config.privacy
        var task = ParticipantTask(
            charterHash: charterHash, round: instruction.round, layoutHash: instruction.parameters.layout.sha256,
            samplingRate: privacy?.samplingRate ?? 1, noiseMultiplier: privacy?.noiseMultiplier,
            delta: privacy?.delta ?? charter.privacy.maxDelta, secureAggregation: false)
        try charter.check(task: task)
        var next = ledger
        let first = (next.rounds.last?.round ?? 0) + 1
        for round in first...max(first, instruction.round) {
            task.round = round
            if let refusal = next.admit(task) { throw GovernanceRefusal(description: refusal) }
        }
        ledger = next
    }

    /// The ε the participant has accounted.
    public var epsilonSpent: Double { ledger.epsilonSpent }
}
