import ArgumentParser
import ConcordData
import ConcordFederation
import ConcordGovernance
import ConcordNN
import Foundation

/// The governance flags of `concord simulate`: a charter the run must satisfy and the signed record it writes.
struct GovernanceOptions: ParsableArguments {
    @Option(
        help: """
            A charter in force (YAML, signed by every participant): the run is refused before its first round \
            unless the charter permits it, and every virtual participant enforces it, with its own ε cap. The \
            participants' keys are the simulated keys of --seed (concord charter init --simulated N --seed S).
            """)
    var charter: String?

    @Option(help: "Write the run's hash-chained, signed audit log (JSON lines) here; needs --charter.")
    var auditLog: String?

    func validate() throws {
        if auditLog != nil, charter == nil { throw ValidationError("--audit-log needs --charter") }
    }

    /// The charter, its participants' governors and the audit recorder of a governed run, or nil.
    struct Governance {
        var charter: Charter
        var governors: [Int: ParticipantGovernor]
        var recorder: AuditRecorder
        var request: RunRequest

        /// Seals the record (writing it to `auditLog` when given) and returns each participant's own ε.
        func finish(records: [RoundRecord], model: Parameters, auditLog: String?) async throws -> [String: Double] {
            var spent: [String: Double] = [:]
            for (id, governor) in governors {
                spent[charter.participant(id: id)?.name ?? "\(id)"] = await governor.epsilonSpent
            }
            let lastRound = records.last { $0.completed }?.round ?? 0
            let lines = try await recorder.finish(model: model, round: lastRound)
            if let auditLog {
                try GovernanceFiles.write(lines, to: auditLog)
                print("wrote the audit log to \(auditLog) (\(await recorder.log.entries.count) entries, sealed)")
            }
            return spent
        }
    }

    /// Loads the charter, checks that it is in force, that it lists exactly the simulated participants with
    /// the keys of `seed`, and that it permits the run.
    ///
    /// - Throws: a message naming what is wrong (the clause, for a run the charter does not permit).
    func load(request: RunRequest, participants: Int, seed: UInt64) throws -> Governance? {
        guard let path = charter else { return nil }
        let charter = try GovernanceFiles.charterInForce(path)
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
        let recorder = AuditRecorder(
            charter: charter, coordinator: coordinator, witnesses: witnesses, governors: governors)
        return Governance(charter: charter, governors: governors, recorder: recorder, request: request)
    }
}
