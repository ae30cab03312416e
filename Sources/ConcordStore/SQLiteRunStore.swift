import ConcordFederation
import ConcordSystem
import Foundation
import GRDB

/// A ``RunStore`` in an embedded SQLite database (through GRDB): a WAL-mode file that survives the coordinator
/// being killed at any instant, or an in-memory database for tests.
///
/// Every operation is one transaction, so a reader never sees half a round, and a round either committed whole
/// or not at all. Commits are synchronous (`PRAGMA synchronous = FULL`): once ``commitRound(run:record:checkpoint:)``
/// returns, the round survives a kill and a power cut.
public final class SQLiteRunStore: RunStore {
    /// The connection pool (a file) or queue (in memory).
    let database: any DatabaseWriter
    /// Where the database lives, for error messages (":memory:" in memory).
    let path: String
    /// Faults tests inject into a commit's transaction.
    let hooks: Hooks

    /// Points in a commit where a test can make it fail.
    struct Hooks: Sendable {
        /// Called inside the transaction once the round's row is written, before the metrics and checkpoint.
        var afterRoundInserted: (@Sendable (_ round: Int) throws -> Void)?
    }

    /// Opens the store in the SQLite file at `path`, creating it (and its schema) when absent.
    ///
    /// A new store file is created with mode 0600 before SQLite opens it, and SQLite gives its `-wal` and `-shm`
    /// files the database file's mode: the store holds each run's secret sampling seed, which nobody else may read.
    ///
    /// - Parameter path: a file path; its directory must exist. SQLite keeps `-wal` and `-shm` files beside it.
    /// - Throws: ``StoreError/cannotOpen(path:reason:)`` when the file is not a SQLite database, is another
    ///   application's database or a newer Concord's, or cannot be opened at all.
    public convenience init(path: String) throws {
        try self.init(path: path, hooks: Hooks())
    }

    init(path: String, hooks: Hooks) throws {
        if Self.isNotSQLite(path: path) {
            throw StoreError.cannotOpen(
                path: path, reason: "the file is not a SQLite database; give Concord a new path or restore the store")
        }
        let created = try Self.createOwnerOnly(path: path)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration)
        } catch let error as DatabaseError {
            if created { try? FileManager.default.removeItem(atPath: path) }
            throw StoreError.cannotOpen(path: path, reason: Self.explain(error))
        }
        do {
            try Self.prepareSchema(pool, path: path)
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path: path, reason: Self.explain(error))
        }
        self.database = pool
        self.path = path
        self.hooks = hooks
    }

    /// A store in memory, gone when the value is: for tests and dry runs.
    ///
    /// - Throws: a `DatabaseError` when SQLite cannot allocate the database.
    public static func inMemory() throws -> SQLiteRunStore {
        try inMemory(hooks: Hooks())
    }

    static func inMemory(hooks: Hooks) throws -> SQLiteRunStore {
        let queue = try DatabaseQueue(configuration: configuration)
        try prepareSchema(queue, path: ":memory:")
        return SQLiteRunStore(database: queue, path: ":memory:", hooks: hooks)
    }

    private init(database: any DatabaseWriter, path: String, hooks: Hooks) {
        self.database = database
        self.path = path
        self.hooks = hooks
    }

    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // Another process (a dashboard, a second coordinator by mistake) waits its turn rather than failing at once.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return configuration
    }

    /// Creates an absent store file empty with mode 0600 (SQLite would use 0644 less the umask); returns whether
    /// it did.
    private static func createOwnerOnly(path: String) throws -> Bool {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return false }
        do {
            return try SecretFile.createEmptyIfAbsent(at: path)
        } catch .cannotWrite(_, let reason) {
            throw StoreError.cannotOpen(
                path: path, reason: "cannot create it (\(reason)); does the directory exist, may this user write there?"
            )
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    private static func explain(_ error: DatabaseError) -> String {
        switch error.resultCode {
        case .SQLITE_NOTADB: "the file is not a SQLite database; give Concord a new path or restore the store"
        case .SQLITE_CORRUPT: "the database is damaged (\(error.message ?? "corrupt")); restore it from a backup"
        case .SQLITE_CANTOPEN: "SQLite cannot open it (does the directory exist, may this user write there?)"
        case .SQLITE_READONLY, .SQLITE_PERM: "it is read-only for this user; Concord needs to write there"
        default: error.message ?? "\(error)"
        }
    }

    // MARK: - Runs

    /// Opens the run called `name`, creating it (running, no rounds) when absent with this configuration text and
    /// `seed`; an existing run keeps its own seed. A failed run is restarted (running again, its reason cleared):
    /// with the same configuration it resumes from its last committed round; a failed run with no committed
    /// round may also be given another configuration (the one that made it fail corrected), and then starts
    /// afresh with that configuration and `seed`, since nothing of the first attempt was kept.
    ///
    /// - Throws: ``StoreError/configurationMismatch(run:)`` when the run exists with another configuration (and is
    ///   not a failed run without rounds).
    public func openRun(name: String, configuration: String, seed: UInt64?) throws -> StoredRun {
        try access { db in
            if let existing = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE name = ?", arguments: [name]) {
                let run = try self.run(from: existing)
                if run.state == .failed {
                    let afresh = run.configuration != configuration
                    guard !afresh || run.completedRounds == 0 else { throw StoreError.configurationMismatch(run: name) }
                    try db.execute(
                        sql: """
                            UPDATE runs SET state = ?, reason = NULL, configuration = ?, seed = ?, updated_at = ?
                            WHERE id = ?
                            """,
                        arguments: [
                            RunState.running.rawValue, configuration,
                            afresh ? seed.map { Int64(bitPattern: $0) } : run.seed.map { Int64(bitPattern: $0) },
                            Date(), run.id,
                        ])
                    return try self.run(db, run.id)
                }
                guard run.configuration == configuration else { throw StoreError.configurationMismatch(run: name) }
                return run
            }
            let now = Date()
            try db.execute(
                sql: """
                    INSERT INTO runs (name, configuration, state, reason, completed_rounds, created_at, updated_at, seed)
                    VALUES (?, ?, ?, NULL, 0, ?, ?, ?)
                    """,
                arguments: [
                    name, configuration, RunState.running.rawValue, now, now, seed.map { Int64(bitPattern: $0) },
                ])
            return try self.run(db, db.lastInsertedRowID)
        }
    }

    /// Sets the run's state with a human-readable reason.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``.
    public func setState(run: Int64, _ state: RunState, reason: String?) throws {
        try access { db in
            try db.execute(
                sql: "UPDATE runs SET state = ?, reason = ?, updated_at = ? WHERE id = ?",
                arguments: [state.rawValue, reason, Date(), run])
            guard db.changesCount > 0 else { throw StoreError.unknownRun(run) }
        }
    }

    /// Every run, oldest first.
    ///
    /// - Throws: ``StoreError/corrupt(_:)`` when a stored run cannot be read.
    public func runs() throws -> [StoredRun] {
        try access(writing: false) { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY id").map { try self.run(from: $0) }
        }
    }

    /// The run with this id, as stored.
    func run(_ db: Database, _ id: Int64) throws -> StoredRun {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) else {
            throw StoreError.unknownRun(id)
        }
        return try run(from: row)
    }

    private func run(from row: Row) throws -> StoredRun {
        let id: Int64 = try row.decode(forColumn: "id")
        let state: String = try row.decode(forColumn: "state")
        let seed: Int64? = try row.decode(forColumn: "seed")
        guard let runState = RunState(rawValue: state) else {
            throw StoreError.corrupt("\(path): run \(id) has the unknown state \"\(state)\"")
        }
        return StoredRun(
            id: id, name: try row.decode(forColumn: "name"), configuration: try row.decode(forColumn: "configuration"),
            state: runState, reason: try row.decode(forColumn: "reason"),
            completedRounds: try row.decode(forColumn: "completed_rounds"),
            createdAt: try row.decode(forColumn: "created_at"), updatedAt: try row.decode(forColumn: "updated_at"),
            seed: seed.map { UInt64(bitPattern: $0) }, plan: try row.decode(forColumn: "plan"))
    }

    // MARK: - Access

    /// Runs `body` in one transaction (a write, or a read that sees one consistent snapshot), turning what SQLite
    /// and GRDB report about damaged data into ``StoreError/corrupt(_:)``.
    func access<T>(writing: Bool = true, _ body: (Database) throws -> T) throws -> T {
        do {
            return writing ? try database.write(body) : try database.read(body)
        } catch let error as StoreError {
            throw error
        } catch let error as RowDecodingError {
            // GRDB's message shows the whole row; the start of it says which column.
            let detail = String(String(describing: error).prefix(200))
            throw StoreError.corrupt("\(path): a stored value has the wrong type (\(detail)…); restore from a backup")
        } catch let error as DatabaseError where [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode) {
            throw StoreError.corrupt("\(path): \(Self.explain(error))")
        }
    }
}
