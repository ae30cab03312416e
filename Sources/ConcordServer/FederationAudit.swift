import ConcordFederation
import ConcordGovernance
import ConcordStore
import Foundation

/// The signed audit log of a real federation's run, kept in the run store and exported as JSON lines.
///
/// It sees every round as a ``RoundObserver`` and keeps what it saw of the current try in memory; when the run
/// commits the round, ``commit(round:_:)`` signs those entries and hands their lines to the store's commit, so the
/// round and its entries are written in one transaction. A try that is not committed (too few results, a crash)
/// leaves nothing in the log, and the retry records afresh: a coordinator killed with `kill -9` at any instant
/// resumes with a log that ends at its last committed round and still verifies.
///
/// Every update the log records carries its participant's signed receipt (``UpdateAttestation``), checked before
/// the update is accepted (``CoordinatorGovernance``); the run's `run_started` entry says
/// so (`update_receipts`), so a verifier refuses an update entry without one.
public actor FederationAudit: RoundObserver {
    /// The charter in force.
    public let charter: Charter
    private let coordinator: SigningIdentity
    private let store: any RunStore
    private let runID: Int64
    private let names: [Int: String]
    private let exportPath: String?
    private var log: AuditLog
    private var pending: [AuditEvent] = []

    /// Opens the run's log: reads the lines stored so far, or starts the log with the run's `run_started` entry.
    ///
    /// - Parameters:
    ///   - coordinator: the coordinator's signing identity, the charter's coordinator key (``CoordinatorGovernance``
    ///     checks it).
    ///   - names: participant names by federation id (the configuration's order).
    ///   - exportPath: where the log is written as JSON lines after every change; nil for the store only.
    /// - Throws: ``ConcordGovernance/GovernanceFailure`` for a stored log that is not this charter's or does not
    ///   verify; the store's errors.
    init(
        charter: Charter, coordinator: SigningIdentity, request: RunRequest, store: any RunStore, runID: Int64,
        names: [Int: String], exportPath: String?
    ) throws {
        self.charter = charter
        self.coordinator = coordinator
        self.store = store
        self.runID = runID
        self.names = names
        self.exportPath = exportPath
        let stored = try store.auditLines(run: runID)
        if stored.isEmpty {
            var log = AuditLog()
            do {
                try log.append(
                    .runStarted(charterHash: charter.hash, request: request, updateReceipts: true), signedBy: coordinator)
            } catch {
                throw GovernanceFailure("cannot start the audit log: \(error)")
            }
            try store.appendAuditLines(run: runID, Self.lines(of: log.entries))
            self.log = log
        } else {
            let data = Data((stored.joined(separator: "\n") + "\n").utf8)
            let report = AuditVerifier.verify(jsonLines: data, keys: charter.trustedKeys, requireSeal: false)
            if let failure = report.failure {
                throw GovernanceFailure("the run's stored audit log does not verify: \(failure)")
            }
            let log: AuditLog
            do {
                log = try AuditLog(jsonLines: data)
            } catch {
                throw GovernanceFailure("the run's stored audit log cannot be read: \(error)")
            }
            guard let first = log.entries.first, first.kind == .runStarted,
                first.payload["charter"]?.stringValue == charter.hash
            else {
                throw GovernanceFailure(
                    "the run's audit log was started under another charter than the one in force (\(charter.hash.prefix(16))…); "
                        + "a run keeps the charter it started under")
            }
            self.log = log
        }
        try Self.export(log, to: exportPath)
    }

    /// Whether the log is sealed (the run's model was released).
    public var isSealed: Bool { log.isSealed }

    /// The log as JSON lines.
    public var jsonLines: Data { log.jsonLines }

    /// Why `update` cannot be accepted under `charter` from the participant called `name`: it carries no receipt,
    /// or one that is not that participant's signature of it; nil when it can.
    static func receiptProblem(
        charter: Charter, name: String?, instruction: FitInstruction, update: ClientUpdate
    ) -> String? {
        guard let name, let listed = charter.participant(named: name) else {
            return "the participant is not a party to the charter"
        }
        guard let receipt = update.receipt else {
            return "the update carries no receipt; under the charter every node signs what it sends "
                + "(run `concord node` with --charter, --signing-key and --ledger)"
        }
        let attestation = UpdateAttestation(
            charterHash: charter.hash, participant: name, round: instruction.round,
            updateHash: AuditRecorder.hash(update.parameters))
        return attestation.problem(with: receipt, key: listed.publicKey)
    }

    // MARK: RoundObserver

    /// Starts the round's entries afresh (a retried round records only its last try).
    public func roundConfigured(round: Int, participants: [Int], instructions: [Int: FitInstruction]) {
        pending = [
            .roundConfigured(round: round, instructions: instructions, delta: charter.privacy.maxDelta),
            .participantsChosen(round: round, participants: participants),
        ]
    }

    /// Records an accepted update with its participant's receipt.
    public func updateReceived(round: Int, participant: Int, update: ClientUpdate) {
        let signature = update.receipt.flatMap { try? Signature(rawRepresentation: $0.signature) }
        pending.append(
            .updateReceived(
                round: round, participant: names[participant] ?? "participant \(participant)",
                updateHash: AuditRecorder.hash(update.parameters), receipt: signature))
    }

    /// Records the aggregate and the run's ε after a completed round (each node keeps its own ε on its own disk; at the
    /// record level the entry holds each node's ε as it reported it).
    public func roundFinished(_ record: RoundRecord, parameters: Parameters) {
        guard record.completed else {
            pending = []
            return
        }
        pending.append(.aggregateProduced(round: record.round, aggregateHash: AuditRecorder.hash(parameters)))
        if let epsilon = record.metrics["epsilon"] {
            pending.append(
                .epsilonSpent(
                    round: record.round, epsilon: epsilon, delta: charter.privacy.maxDelta, perParticipant: [:]))
        } else if let event = AuditRecorder.recordEpsilonSpent(record, names: names, delta: charter.privacy.maxDelta) {
            pending.append(event)
        }
    }

    // MARK: Committing

    /// Signs the round's entries and passes their lines to `write` (the store's commit of the round); the log
    /// takes them only once `write` returns.
    ///
    /// - Throws: ``ConcordGovernance/GovernanceFailure`` when the entries cannot be signed or are not the round's;
    ///   what `write` throws (then the log is as it was).
    public func commit(round: Int, _ write: @Sendable ([String]) throws -> Void) throws {
        guard pending.count >= 3, case .roundConfigured(let configured, _, _, _, _) = pending[0], configured == round
        else {
            throw GovernanceFailure("the audit log has no record of round \(round) to commit")
        }
        var next = log
        let first = next.entries.count
        do {
            for event in pending { try next.append(event, signedBy: coordinator) }
        } catch {
            throw GovernanceFailure("cannot sign round \(round)'s audit entries: \(error)")
        }
        try write(Self.lines(of: next.entries[first...]))
        log = next
        pending = []
        try Self.export(log, to: exportPath)
    }

    /// Records the released model and seals the log, in the store and the export; a sealed log is left as it is.
    ///
    /// - Throws: ``ConcordGovernance/GovernanceFailure`` when signing fails; the store's and the file system's errors.
    public func finish(model: Parameters, round: Int) throws {
        guard !log.isSealed else { return }
        var next = log
        let first = next.entries.count
        do {
            try next.append(.modelReleased(modelHash: AuditRecorder.hash(model), round: round), signedBy: coordinator)
            try next.seal(signedBy: coordinator)
        } catch {
            throw GovernanceFailure("cannot seal the audit log: \(error)")
        }
        try store.appendAuditLines(run: runID, Self.lines(of: next.entries[first...]))
        log = next
        try Self.export(log, to: exportPath)
    }

    private static func lines(of entries: some Sequence<AuditEntry>) -> [String] {
        entries.map(\.line.canonicalText)
    }

    private static func export(_ log: AuditLog, to path: String?) throws {
        guard let path else { return }
        try log.jsonLines.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
