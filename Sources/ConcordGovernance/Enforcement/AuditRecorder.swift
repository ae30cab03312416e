import ConcordFederation
import ConcordNN
import Foundation

/// Writes a run's hash-chained, signed record as the coordinator takes each step: the run's start, each
/// round's mechanism and participants, every update received (its SHA-256), every aggregate (its
/// SHA-256), the ε spent (the run's and each participant's own), and the released model, then the seal.
///
/// In a simulation the virtual participants countersign the entries they witness with their
/// seed-derived keys; over the wire each node does it with its own.
public actor AuditRecorder: RoundObserver {
    /// The log so far.
    public private(set) var log = AuditLog()
    /// The first error met while recording (the log stops growing after it).
    public private(set) var failure: String?
    private let charter: Charter
    private let coordinator: SigningIdentity
    private let witnesses: [Int: SigningIdentity]
    private let governors: [Int: ParticipantGovernor]

    /// Creates a recorder.
    ///
    /// - Parameters:
    ///   - coordinator: the coordinator's signing identity (its public key must be the charter's).
    ///   - witnesses: the participants' identities by federation id, to countersign (simulation).
    ///   - governors: the participants' own ledgers by federation id, for the per-participant ε.
    public init(
        charter: Charter, coordinator: SigningIdentity, witnesses: [Int: SigningIdentity],
        governors: [Int: ParticipantGovernor]
    ) {
        self.charter = charter
        self.coordinator = coordinator
        self.witnesses = witnesses
        self.governors = governors
    }

    /// The SHA-256 of parameters as their scalars' little-endian IEEE-754 bytes, in layout order.
    public static func hash(_ parameters: Parameters) -> String {
        #if _endian(little)
            return parameters.values.withUnsafeBytes { SHA256Hex.of($0) }
        #else
            return SHA256Hex.of(parameters.values.map(\.bitPattern.littleEndian).withUnsafeBytes { Data($0) })
        #endif
    }

    /// Records the run's start.
    public func runStarted(_ request: RunRequest) { append(.runStarted(charterHash: charter.hash, request: request)) }

    /// Records the round's mechanism and participants.
    public func roundConfigured(round: Int, participants: [Int], instructions: [Int: FitInstruction]) {
        append(.roundConfigured(round: round, instructions: instructions, delta: charter.privacy.maxDelta))
        append(.participantsChosen(round: round, participants: participants))
    }

    /// Records an update's hash, countersigned by its sender.
    public func updateReceived(round: Int, participant: Int, update: ClientUpdate) {
        let name = charter.participant(id: participant)?.name ?? "participant \(participant)"
        guard
            let entry = append(
                .updateReceived(round: round, participant: name, updateHash: Self.hash(update.parameters)))
        else { return }
        guard let identity = witnesses[participant] else { return }
        do {
            try log.attach(Receipt.countersign(entry, as: name, with: identity, coordinator: coordinator.publicKey))
        } catch {
            failure = failure ?? "\(error)"
        }
    }

    /// Records the aggregate and the ε spent after a completed round.
    public func roundFinished(_ record: RoundRecord, parameters: Parameters) async {
        guard record.completed else { return }
        append(.aggregateProduced(round: record.round, aggregateHash: Self.hash(parameters)))
        guard let epsilon = record.metrics["epsilon"] else {
            let names = Dictionary(uniqueKeysWithValues: charter.participants.map { ($0.id, $0.name) })
            if let event = Self.recordEpsilonSpent(record, names: names, delta: charter.privacy.maxDelta) {
                append(event)
            }
            return
        }
        var perParticipant: [String: Double] = [:]
        for (id, governor) in governors {
            perParticipant[charter.participant(id: id)?.name ?? "\(id)"] = await governor.epsilonSpent
        }
        append(
            .epsilonSpent(
                round: record.round, epsilon: epsilon, delta: charter.privacy.maxDelta, perParticipant: perParticipant))
    }

    /// The `epsilon_spent` entry of a record-level round: each participant's record-level ε as it reported it, by
    /// name, and their largest as the run's (a record's guarantee is its own node's ε, at most that); nil for a round
    /// no participant reported one for.
    public static func recordEpsilonSpent(_ record: RoundRecord, names: [Int: String], delta: Double) -> AuditEvent? {
        guard let reported = record.recordEpsilon, let largest = reported.values.max() else { return nil }
        var perParticipant: [String: Double] = [:]
        for (id, epsilon) in reported { perParticipant[names[id] ?? "participant \(id)"] = epsilon }
        return .epsilonSpent(round: record.round, epsilon: largest, delta: delta, perParticipant: perParticipant)
    }

    /// Records the released model and seals the log.
    ///
    /// - Returns: the sealed log as JSON lines.
    /// - Throws: ``AuditLogError`` when the log cannot be sealed, or the first recording failure.
    public func finish(model: Parameters, round: Int) throws -> Data {
        append(.modelReleased(modelHash: Self.hash(model), round: round))
        if let failure { throw AuditLogError(index: log.entries.count, reason: failure) }
        try log.seal(signedBy: coordinator)
        return log.jsonLines
    }

    @discardableResult
    private func append(_ event: AuditEvent) -> AuditEntry? {
        guard failure == nil else { return nil }
        do {
            return try log.append(event, signedBy: coordinator)
        } catch {
            failure = "\(error)"
            return nil
        }
    }
}
