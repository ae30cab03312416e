import ConcordFederation
import Foundation

/// A simulation run under a charter: the charter in force, each simulated participant's governor (its own
/// checks and ε cap) and the recorder of the run's signed audit log. The participants' and the coordinator's
/// keys are the simulated keys of the run's seed (``SigningIdentity/simulated(seed:participant:)``).
public struct SimulatedGovernance: Sendable {
    /// The charter in force.
    public var charter: Charter
    /// Each participant's governor, by participant id.
    public var governors: [Int: ParticipantGovernor]
    /// Records every round in the signed audit log.
    public var recorder: AuditRecorder
    /// What the charter was asked to permit.
    public var request: RunRequest

    /// Loads the charter at `path`, checks that it is in force, that it lists exactly the simulated participants
    /// with the keys of `seed`, and that it permits `request`.
    ///
    /// - Throws: ``GovernanceFailure`` naming what is wrong (the clause, for a run the charter does not permit).
    public static func load(
        charterAt path: String, request: RunRequest, participants: Int, seed: UInt64
    ) throws -> SimulatedGovernance {
        let charter = try Charter.inForce(at: path)
        var governors: [Int: ParticipantGovernor] = [:]
        var witnesses: [Int: SigningIdentity] = [:]
        for id in 0..<participants {
            guard let listed = charter.participant(id: id) else {
                throw GovernanceFailure("participant \(id) of the simulation is not a party to the charter")
            }
            let identity = SigningIdentity.simulated(seed: seed, participant: listed.name)
            guard identity.publicKey == listed.publicKey else {
                throw GovernanceFailure(
                    "the charter's key for '\(listed.name)' is not the simulated key of seed \(seed); create the "
                        + "charter with concord charter init --simulated \(participants) --seed \(seed) --sign-simulated"
                )
            }
            witnesses[id] = identity
            governors[id] = try ParticipantGovernor(charter: charter, participant: listed)
        }
        let coordinator = SigningIdentity.simulated(seed: seed, participant: charter.coordinator.name)
        guard coordinator.publicKey == charter.coordinator.publicKey else {
            throw GovernanceFailure("the charter's coordinator key is not the simulated key of seed \(seed)")
        }
        do {
            try charter.check(request)
        } catch {
            throw GovernanceFailure("the charter does not permit this run: \(error)")
        }
        let recorder = AuditRecorder(charter: charter, coordinator: coordinator, witnesses: witnesses, governors: governors)
        return SimulatedGovernance(charter: charter, governors: governors, recorder: recorder, request: request)
    }

    /// Seals the record: returns the audit log's lines and each participant's own ε, by name.
    ///
    /// - Throws: the recorder's error when the final entry cannot be signed.
    public func finish(records: [RoundRecord], model: Parameters) async throws -> (
        auditLog: Data, epsilon: [String: Double]
    ) {
        var spent: [String: Double] = [:]
        for (id, governor) in governors {
            spent[charter.participant(id: id)?.name ?? "\(id)"] = await governor.epsilonSpent
        }
        let lastRound = records.last { $0.completed }?.round ?? 0
        return (try await recorder.finish(model: model, round: lastRound), spent)
    }
}
