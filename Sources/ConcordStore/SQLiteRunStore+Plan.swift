import Foundation
import GRDB

extension SQLiteRunStore {
    /// Opens the run called `name` with its plan; see ``RunStore/openRun(name:configuration:plan:seed:admit:)``.
    ///
    /// - Throws: what `admit` throws; ``StoreError/configurationMismatch(run:)``.
    public func openRun(
        name: String, configuration: String, plan: String, seed: UInt64?, admit: (_ storedPlan: String) throws -> Void
    ) throws -> StoredRun {
        try access { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id FROM runs WHERE name = ?", arguments: [name]) else {
                let now = Date()
                try db.execute(
                    sql: """
                        INSERT INTO runs (name, configuration, state, reason, completed_rounds, created_at, updated_at,
                                          seed, plan)
                        VALUES (?, ?, ?, NULL, 0, ?, ?, ?, ?)
                        """,
                    arguments: [
                        name, configuration, RunState.running.rawValue, now, now, seed.map { Int64(bitPattern: $0) },
                        plan,
                    ])
                return try self.run(db, db.lastInsertedRowID)
            }
            let run = try self.run(db, try row.decode(forColumn: "id"))
            let changed = run.configuration != configuration || run.plan != plan
            // A run that failed before its first round never ran: it may start afresh with corrected settings.
            let afresh = run.state == .failed && run.completedRounds == 0 && changed
            if !afresh {
                if let stored = run.plan {
                    try admit(stored)
                } else if run.configuration != configuration {
                    throw StoreError.configurationMismatch(run: name)
                }
            }
            guard changed || run.state == .failed else { return run }
            let keptSeed = afresh ? seed : run.seed
            try db.execute(
                sql: """
                    UPDATE runs SET configuration = ?, plan = ?, seed = ?, updated_at = ?,
                        state = CASE WHEN state = 'failed' THEN 'running' ELSE state END,
                        reason = CASE WHEN state = 'failed' THEN NULL ELSE reason END
                    WHERE id = ?
                    """,
                arguments: [configuration, plan, keptSeed.map { Int64(bitPattern: $0) }, Date(), run.id])
            return try self.run(db, run.id)
        }
    }
}
