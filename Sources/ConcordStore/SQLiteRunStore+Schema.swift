import Foundation
import GRDB

extension SQLiteRunStore {
    /// Written into the file's header (`PRAGMA application_id`, "CNCD"), so that a Concord store is told apart from
    /// another application's SQLite database before anything is written to it.
    static let applicationID: Int32 = 0x434E_4344

    /// The schema, as versioned migrations; a migration once shipped is never edited, only followed by another.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, rounds, metrics, checkpoints, participant events") { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(
                sql: """
                    CREATE TABLE runs (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL UNIQUE,
                        configuration TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'finished')),
                        reason TEXT,
                        completed_rounds INTEGER NOT NULL DEFAULT 0 CHECK (completed_rounds >= 0),
                        created_at DATETIME NOT NULL,
                        updated_at DATETIME NOT NULL
                    );
                    -- One row per committed round; record is the RoundRecord as JSON, the other columns are there
                    -- to be queried.
                    CREATE TABLE rounds (
                        run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        round INTEGER NOT NULL CHECK (round >= 1),
                        completed BOOLEAN NOT NULL,
                        accuracy DOUBLE,
                        record TEXT NOT NULL,
                        PRIMARY KEY (run, round)
                    ) WITHOUT ROWID;
                    -- value is NULL where the metric was not a number.
                    CREATE TABLE metrics (
                        run INTEGER NOT NULL,
                        round INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        value DOUBLE,
                        PRIMARY KEY (run, round, name),
                        FOREIGN KEY (run, round) REFERENCES rounds(run, round) ON DELETE CASCADE
                    ) WITHOUT ROWID;
                    -- The state after the run's last committed round: parameters as little-endian Float32 bytes,
                    -- checked against parameters_sha256 (lowercase hex) on load.
                    CREATE TABLE checkpoints (
                        run INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
                        round INTEGER NOT NULL,
                        parameters BLOB NOT NULL,
                        layout TEXT NOT NULL,
                        strategy_type TEXT NOT NULL,
                        strategy_state BLOB NOT NULL,
                        parameters_sha256 TEXT NOT NULL
                    );
                    CREATE TABLE participant_events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        participant TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        detail TEXT NOT NULL,
                        at DATETIME NOT NULL
                    );
                    CREATE INDEX participant_events_by_participant ON participant_events (run, participant, id);
                    """)
        }
        // Bit pattern of the run's UInt64 seed; NULL for runs created before (they used their configured seed, or 1).
        migrator.registerMigration("v2: each run's seed") { db in
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN seed INTEGER")
        }
        // SQLite cannot change a CHECK constraint in place: the runs table is rebuilt with 'failed' allowed, the way
        // SQLite's documentation prescribes. GRDB runs a migration with foreign keys off and checks them before it
        // commits, so dropping the old table does not cascade into rounds, checkpoints or participant events, which
        // refer to the new one by name once it is renamed.
        migrator.registerMigration("v3: a run may be failed") { db in
            try db.execute(
                sql: """
                    CREATE TABLE runs_v3 (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL UNIQUE,
                        configuration TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'finished', 'failed')),
                        reason TEXT,
                        completed_rounds INTEGER NOT NULL DEFAULT 0 CHECK (completed_rounds >= 0),
                        created_at DATETIME NOT NULL,
                        updated_at DATETIME NOT NULL,
                        seed INTEGER
                    );
                    INSERT INTO runs_v3 (id, name, configuration, state, reason, completed_rounds, created_at,
                                         updated_at, seed)
                        SELECT id, name, configuration, state, reason, completed_rounds, created_at, updated_at, seed
                        FROM runs;
                    DROP TABLE runs;
                    ALTER TABLE runs_v3 RENAME TO runs;
                    """)
        }
        // An operator's pending request (`concord run pause|stop`), read by the coordinator between rounds.
        migrator.registerMigration("v4: operators' control requests") { db in
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN control TEXT CHECK (control IN ('pause', 'stop'))")
        }
        // The run's plan (RunPlan's canonical JSON), compared field by field when the run is resumed; NULL for runs
        // created before, which are compared by their configuration text until they are next opened.
        migrator.registerMigration("v5: each run's plan") { db in
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN plan TEXT")
        }
        // The run's signed audit log, one stored line (canonical JSON) per entry, written in the same transaction as
        // the round it records, so that a coordinator killed at any instant leaves a log that ends at a committed
        // round. The store keeps the lines as text: signing and verifying them is ConcordGovernance's.
        migrator.registerMigration("v6: each run's audit log") { db in
            try db.execute(
                sql: """
                    CREATE TABLE audit_entries (
                        run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        idx INTEGER NOT NULL CHECK (idx >= 0),
                        line TEXT NOT NULL,
                        PRIMARY KEY (run, idx)
                    ) WITHOUT ROWID
                    """)
        }
        // Each run's secret noise key (RunStore.noiseKey), apart from the runs table that status and the dashboard
        // read.
        migrator.registerMigration("v7: each run's noise key") { db in
            try db.execute(
                sql: """
                    CREATE TABLE run_secrets (
                        run INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
                        noise_key BLOB NOT NULL
                    )
                    """)
        }
        return migrator
    }

    /// Refuses a database that is not a Concord store (or is one from a newer Concord), then brings the schema up
    /// to date.
    ///
    /// - Throws: ``StoreError/cannotOpen(path:reason:)``.
    static func prepareSchema(_ database: any DatabaseWriter, path: String) throws {
        let migrator = Self.migrator
        try database.read { db in
            let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            let tables = try String.fetchAll(
                db,
                sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            if applicationID != Self.applicationID && !(applicationID == 0 && tables.isEmpty) {
                let shown = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", …" : "")
                throw StoreError.cannotOpen(
                    path: path,
                    reason: "it is another application's SQLite database (application id \(applicationID), tables: "
                        + "\(shown.isEmpty ? "none" : shown)); give Concord a path of its own")
            }
            if try migrator.hasBeenSuperseded(db) {
                throw StoreError.cannotOpen(
                    path: path,
                    reason: "it was written by a newer version of Concord (its schema has migrations this version "
                        + "does not know); open it with that version or newer")
            }
        }
        try migrator.migrate(database)
    }

    /// Whether the file at `path` exists, is not empty, and does not start like a SQLite database; such a file is
    /// refused before SQLite touches it.
    static func isNotSQLite(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 16), !head.isEmpty else { return false }
        return head != Data("SQLite format 3\0".utf8)
    }
}
