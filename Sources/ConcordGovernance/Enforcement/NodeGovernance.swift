import ConcordFederation
import ConcordPrivacy
import Foundation

/// A node's own governance in a real federation (`concord node --charter --signing-key --ledger`): the charter it
/// signed, its signing key (the one the charter lists for it), and its ε ledger on its own disk. Every task goes
/// through its ``ParticipantGovernor`` before training; every update it sends carries its signed receipt.
public struct NodeGovernance: Sendable {
    /// The charter in force.
    public let charter: Charter
    /// This node as the charter lists it.
    public let participant: Charter.Participant
    /// Its checks and its ledger.
    public let governor: ParticipantGovernor
    /// Under a record-level charter, its record-level ledger (the `--ledger` file), capped at its charter cap; it
    /// must be the node's record-level accountant. Nil under a user-level charter.
    public let recordPrivacy: RecordPrivacyAccountant?
    private let identity: SigningIdentity

    /// Loads the node's governance.
    ///
    /// - Parameters:
    ///   - charterPath: the charter, which must be in force (signed by every party).
    ///   - name: the node's participant name (its certificate's common name).
    ///   - identity: its signing key, whose public half must be the charter's key for `name`.
    ///   - ledgerPath: where its ledger is kept (created on first use): its user-level ledger, or its record-level one
    ///     under a charter with `level: record`.
    /// - Throws: ``GovernanceFailure`` naming what is wrong.
    public static func load(
        charterAt charterPath: String, name: String, identity: SigningIdentity, ledgerAt ledgerPath: String
    ) throws -> NodeGovernance {
        let charter = try Charter.inForce(at: charterPath)
        guard let participant = charter.participant(named: name) else {
            let parties = charter.participants.map(\.name).joined(separator: ", ")
            throw GovernanceFailure("'\(name)' is not a party to the charter '\(charterPath)' (its parties: \(parties))")
        }
        guard identity.publicKey == participant.publicKey else {
            throw GovernanceFailure(
                "the signing key is not the one the charter '\(charterPath)' lists for '\(name)'; give the key "
                    + "whose public half was put in the charter")
        }
        if charter.privacy.level == .record {
            let recordPrivacy: RecordPrivacyAccountant
            do {
                recordPrivacy = try RecordPrivacyAccountant(
                    participant: name, epsilonCap: participant.epsilonCap,
                    file: RecordPrivacyLedgerFile(path: ledgerPath))
            } catch {
                throw GovernanceFailure("\(error)")
            }
            return NodeGovernance(
                charter: charter, participant: participant,
                governor: try ParticipantGovernor(charter: charter, participant: participant),
                recordPrivacy: recordPrivacy, identity: identity)
        }
        let governor = try ParticipantGovernor(
            charter: charter, participant: participant, ledgerFile: LedgerFile(path: ledgerPath))
        return NodeGovernance(
            charter: charter, participant: participant, governor: governor, recordPrivacy: nil, identity: identity)
    }

    /// Puts `training` behind the node's checks.
    public func enforce(_ training: any ClientProxy) -> any ClientProxy {
        GovernedParticipant(honest: training, governor: governor)
    }

    /// The node's signed receipt for the update it sends for `instruction`.
    ///
    /// - Throws: ``KeyError`` when signing fails.
    public func receipt(for update: ClientUpdate, instruction: FitInstruction) throws -> UpdateReceipt {
        try UpdateAttestation(
            charterHash: charter.hash, participant: participant.name, round: instruction.round,
            updateHash: AuditRecorder.hash(update.parameters)
        ).sign(with: identity)
    }
}
