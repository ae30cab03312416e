import ConcordFederation
import Foundation
import GRDB

extension SQLiteRunStore {
    /// Commits a round in one transaction: its record and metrics, the checkpoint after it, the run's round count.
    ///
    /// The checkpoint's `history` is not stored: ``latestCheckpoint(run:)`` rebuilds it from the committed rounds.
    ///
    /// - Throws: ``StoreError/roundOutOfOrder(expected:got:)`` unless `record.round` is the run's
    ///   `completedRounds + 1`; ``StoreError/unknownRun(_:)``. Nothing is written when it throws.
    public func commitRound(run: Int64, record: RoundRecord, checkpoint: Checkpoint) throws {
        try commitRound(run: run, record: record, checkpoint: checkpoint, auditLines: [])
    }

    /// Commits a round with the audit log lines that record it, in one transaction.
    ///
    /// - Throws: as ``commitRound(run:record:checkpoint:)``; nothing is written when it throws.
    public func commitRound(run: Int64, record: RoundRecord, checkpoint: Checkpoint, auditLines: [String]) throws {
        // Everything that can be encoded outside the transaction is, so the write lock is held only to write.
        let json = try StoreJSON.text(record)
        let blob = try ParametersBlob(checkpoint.parameters)
        let metrics = Self.metrics(of: record)
        try access { db in
            let stored = try self.run(db, run)
            guard record.round == stored.completedRounds + 1 else {
                throw StoreError.roundOutOfOrder(expected: stored.completedRounds + 1, got: record.round)
            }
            try db.execute(
                sql: "INSERT INTO rounds (run, round, completed, accuracy, record) VALUES (?, ?, ?, ?, ?)",
                arguments: [run, record.round, record.completed, record.evaluation?.accuracy, json])
            try self.hooks.afterRoundInserted?(record.round)
            for (name, value) in metrics {
                try db.execute(
                    sql: "INSERT INTO metrics (run, round, name, value) VALUES (?, ?, ?, ?)",
                    arguments: [run, record.round, name, value.isNaN ? nil : value])
            }
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO checkpoints
                        (run, round, parameters, layout, strategy_type, strategy_state, parameters_sha256)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run, record.round, blob.bytes, blob.layout, checkpoint.strategyType, checkpoint.strategyState,
                    blob.sha256,
                ])
            try db.execute(
                sql: "UPDATE runs SET completed_rounds = ?, updated_at = ? WHERE id = ?",
                arguments: [record.round, Date(), run])
            try self.appendAuditLines(db, run: run, auditLines)
        }
    }

    /// The checkpoint after the last committed round, its history rebuilt from the rounds; nil before the first.
    ///
    /// - Throws: ``StoreError/corrupt(_:)`` when the parameters' digest, size or layout, a record, or the rounds'
    ///   sequence does not check out; ``StoreError/unknownRun(_:)``.
    public func latestCheckpoint(run: Int64) throws -> Checkpoint? {
        try access(writing: false) { db in
            let stored = try self.run(db, run)
            guard
                let row = try Row.fetchOne(db, sql: "SELECT * FROM checkpoints WHERE run = ?", arguments: [run])
            else {
                guard stored.completedRounds == 0 else {
                    throw StoreError.corrupt(
                        "\(self.path): run \(run) has \(stored.completedRounds) committed rounds but no checkpoint; "
                            + "restore the file from a backup")
                }
                return nil
            }
            let place = "the checkpoint of run \(run) (\"\(stored.name)\") in \(self.path)"
            let round: Int = try row.decode(forColumn: "round")
            let history = try self.records(db, run: run)
            guard round == stored.completedRounds, history.count == round else {
                throw StoreError.corrupt(
                    "\(place) is of round \(round), but the run has \(stored.completedRounds) committed rounds and "
                        + "\(history.count) round records; restore the file from a backup")
            }
            let blob = ParametersBlob(
                bytes: try row.decode(forColumn: "parameters"), layout: try row.decode(forColumn: "layout"),
                sha256: try row.decode(forColumn: "parameters_sha256"))
            return Checkpoint(
                parameters: try blob.parameters(place: place), strategyType: try row.decode(forColumn: "strategy_type"),
                strategyState: try row.decode(forColumn: "strategy_state"), history: history)
        }
    }

    /// The committed rounds, in order.
    ///
    /// - Throws: ``StoreError/corrupt(_:)`` when a record cannot be read; ``StoreError/unknownRun(_:)``.
    public func rounds(run: Int64) throws -> [RoundRecord] {
        try access(writing: false) { db in
            _ = try self.run(db, run)
            return try self.records(db, run: run)
        }
    }

    /// The run's round records, checked to be rounds 1, 2, … in order.
    private func records(_ db: Database, run: Int64) throws -> [RoundRecord] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT round, record FROM rounds WHERE run = ? ORDER BY round", arguments: [run])
        var records: [RoundRecord] = []
        records.reserveCapacity(rows.count)
        for row in rows {
            let round: Int = try row.decode(forColumn: "round")
            let place = "round \(round) of run \(run) in \(path)"
            let record = try StoreJSON.decode(
                RoundRecord.self, from: try row.decode(forColumn: "record"), what: "the record of \(place)")
            guard round == records.count + 1, record.round == round else {
                throw StoreError.corrupt(
                    "\(place): expected round \(records.count + 1), the record says \(record.round); rounds are "
                        + "missing or were edited, restore the file from a backup")
            }
            records.append(record)
        }
        return records
    }

    /// The metrics a round records: the strategy's, under their own names, and the round's own figures under
    /// `round.`, `evaluation.` and `federated_evaluation.` (which win should a strategy use one of those names).
    static func metrics(of record: RoundRecord) -> [(name: String, value: Double)] {
        var metrics = record.metrics
        let own: [String: Double?] = [
            "round.succeeded": Double(record.succeeded),
            "round.failures": Double(record.failures.count),
            "round.seconds": record.seconds,
            "round.fit_seconds": record.fitSeconds,
            "round.aggregate_seconds": record.aggregateSeconds,
            "round.evaluate_seconds": record.evaluateSeconds,
            "evaluation.loss": record.evaluation?.loss,
            "evaluation.accuracy": record.evaluation?.accuracy,
            "federated_evaluation.loss": record.federatedEvaluation?.loss,
            "federated_evaluation.accuracy": record.federatedEvaluation?.accuracy,
        ]
        for case (let name, let value?) in own {
            metrics[name] = value
        }
        return metrics.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }
}
