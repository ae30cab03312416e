/// ConcordStore: where a coordinator keeps its runs (rounds, metrics, checkpoints, participants' events), so that
/// a coordinator killed at any instant resumes from the last committed round with the same state.
/// `RunStore` states the operations; `SQLiteRunStore` implements them on an embedded SQLite file.
import ConcordFederation

/// Where a coordinator keeps its runs; SQLite (GRDB) is the embedded default, the protocol leaves room for PostgreSQL.
public protocol RunStore: Sendable {
    /// Opens the run called `name`, creating it when absent with this configuration text (the federation config
    /// file's contents) and `seed`. An existing run keeps the seed it was created with; one whose stored
    /// configuration differs is refused with StoreError.configurationMismatch (resuming a run under other
    /// settings would not be the same run). A failed run is restarted (state running, reason cleared); one that
    /// failed before its first committed round may be given a corrected configuration, and then starts afresh
    /// with it and `seed`.
    ///
    /// - Returns: the run, as stored.
    /// - Throws: ``StoreError/configurationMismatch(run:)``.
    func openRun(name: String, configuration: String, seed: UInt64?) throws -> StoredRun

    /// Opens the run called `name` with its plan (a `RunPlan`'s canonical JSON), creating it when absent with
    /// `configuration`, `plan` and `seed`. An existing run with a stored plan is handed to `admit` with that plan,
    /// which throws to refuse the resume (the plans differ where they must not); one stored before plans were is
    /// compared by its configuration text as ``openRun(name:configuration:seed:)`` does. An admitted run keeps its
    /// seed and from then on stores the given plan and configuration (a safe change once accepted stays accepted).
    /// A failed run is restarted; one that failed before its first committed round starts afresh with what is given.
    ///
    /// - Returns: the run, as stored.
    /// - Throws: what `admit` throws; ``StoreError/configurationMismatch(run:)`` for an old run whose configuration
    ///   text differs. Nothing is written when it throws.
    func openRun(
        name: String, configuration: String, plan: String, seed: UInt64?, admit: (_ storedPlan: String) throws -> Void
    ) throws -> StoredRun

    /// Atomically (one transaction): appends the round's record, replaces the run's checkpoint (parameters,
    /// strategy state), records the round's metrics, and sets the run's completedRounds. Refuses
    /// (StoreError.roundOutOfOrder) a round that is not completedRounds + 1.
    ///
    /// The checkpoint's `history` is not stored twice: it is rebuilt from the committed rounds on load.
    ///
    /// - Throws: ``StoreError/roundOutOfOrder(expected:got:)``, ``StoreError/unknownRun(_:)``; nothing is
    ///   written when it throws.
    func commitRound(run: Int64, record: RoundRecord, checkpoint: Checkpoint) throws

    /// Commits a round as ``commitRound(run:record:checkpoint:)`` does, and in the same transaction appends the
    /// audit log lines that record it (numbered on from the run's last stored line).
    ///
    /// - Throws: as ``commitRound(run:record:checkpoint:)``; nothing is written when it throws.
    func commitRound(run: Int64, record: RoundRecord, checkpoint: Checkpoint, auditLines: [String]) throws

    /// Appends audit log lines outside a round (the run's start, the release and the seal), numbered on from the
    /// run's last stored line.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``; nothing is written when it throws.
    func appendAuditLines(run: Int64, _ lines: [String]) throws

    /// The run's stored audit log lines, in order.
    ///
    /// - Throws: ``StoreError/corrupt(_:)`` when the stored lines are not numbered 0, 1, 2, …;
    ///   ``StoreError/unknownRun(_:)``.
    func auditLines(run: Int64) throws -> [String]

    /// The checkpoint after the last committed round (history rebuilt from the rounds table), nil before the first
    /// round.
    ///
    /// - Throws: ``StoreError/corrupt(_:)`` when the stored parameters, layout, or records do not check out;
    ///   ``StoreError/unknownRun(_:)``.
    func latestCheckpoint(run: Int64) throws -> Checkpoint?

    /// The committed rounds, in order.
    ///
    /// - Throws: ``StoreError/corrupt(_:)``, ``StoreError/unknownRun(_:)``.
    func rounds(run: Int64) throws -> [RoundRecord]

    /// Sets the run's state (running, paused, finished, failed) with a human-readable reason.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``.
    func setState(run: Int64, _ state: RunState, reason: String?) throws

    /// Records something that happened to a participant (connected, disconnected, refused, late result, failure)
    /// with a detail text and the time.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``.
    func recordParticipantEvent(run: Int64, participant: String, kind: ParticipantEventKind, detail: String) throws

    /// The participants excluded from the run, with the detail recorded when each was (its first
    /// exclusion), by name.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``.
    func exclusions(run: Int64) throws -> [String: String]

    /// Each participant's latest status (the last event of each), sorted by name.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``, ``StoreError/corrupt(_:)``.
    func participantStatuses(run: Int64) throws -> [ParticipantStatus]

    /// Each participant's latest failure or refusal in the run (a node's refusal of a task names its reason).
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``.
    func participantFailures(run: Int64) throws -> [ParticipantStatus]

    /// Every run, oldest first.
    ///
    /// - Throws: ``StoreError/corrupt(_:)``.
    func runs() throws -> [StoredRun]

    /// Records an operator's request for the run (`pause`, `stop`; nil withdraws a pending one), which the run's
    /// coordinator reads between rounds. Another process may write it while the coordinator runs.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``.
    func requestControl(run: Int64, _ control: RunControl?) throws

    /// The operator's pending request for the run, nil when there is none.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``, ``StoreError/corrupt(_:)``.
    func control(run: Int64) throws -> RunControl?

    /// The run's secret key for its differential-privacy noise (32 bytes), drawn from the operating system's
    /// cryptographically secure generator the first time it is asked for and the same ever after, so a resumed run
    /// noises each round as the interrupted one would have. It is as secret as the run's updates: nothing shows it.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``, ``StoreError/corrupt(_:)`` for a stored key of another length.
    func noiseKey(run: Int64) throws -> [UInt8]
}

extension RunStore {
    /// Opens (or creates, without a seed) the run called `name`; see ``openRun(name:configuration:seed:)``.
    public func openRun(name: String, configuration: String) throws -> StoredRun {
        try openRun(name: name, configuration: configuration, seed: nil)
    }
}
