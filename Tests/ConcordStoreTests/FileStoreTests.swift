import ConcordFederation
import Foundation
import GRDB
import Testing

@testable import ConcordStore

@Suite("The store's file: survives its process, refuses what is not its own, detects damage")
struct FileStoreTests {
    @Test func aSecondStoreOnTheSameFileSeesTheCommittedRounds() throws {
        try Fixtures.withDirectory { directory in
            let path = directory.appendingPathComponent("runs.sqlite").path
            let checkpoint = try Fixtures.checkpoint(values: Fixtures.oddValues)
            let written: [StoredRun]
            do {
                let first = try SQLiteRunStore(path: path)
                let run = try first.openRun(name: "mnist", configuration: "rounds: 5")
                try first.commitRound(run: run.id, record: Fixtures.record(1), checkpoint: checkpoint)
                try first.commitRound(run: run.id, record: Fixtures.record(2), checkpoint: checkpoint)
                try first.setState(run: run.id, .paused, reason: "operator")
                written = try first.runs()
            }
            let second = try SQLiteRunStore(path: path)
            #expect(try second.runs() == written)
            let run = try second.openRun(name: "mnist", configuration: "rounds: 5")
            #expect(run.completedRounds == 2)
            #expect(run.state == .paused)
            let loaded = try #require(try second.latestCheckpoint(run: run.id))
            #expect(loaded.parameters.bits == checkpoint.parameters.bits)
            #expect(loaded.history == [Fixtures.record(1), Fixtures.record(2)])
            try second.commitRound(run: run.id, record: Fixtures.record(3), checkpoint: checkpoint)
            #expect(try SQLiteRunStore(path: path).rounds(run: run.id).count == 3)
        }
    }

    @Test func aStoreWrittenBeforeRunsKeptTheirSeedOpensAndItsRunsHaveNone() throws {
        try Fixtures.withDirectory { directory in
            let path = directory.appendingPathComponent("v1.sqlite").path
            do {
                let store = try SQLiteRunStore(path: path)
                _ = try store.openRun(name: "old", configuration: "rounds: 5", seed: 7)
                // Back to the first schema: no seed column, the second migration not applied.
                try store.database.write { db in
                    try db.execute(sql: "ALTER TABLE runs DROP COLUMN seed")
                    try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v2:%'")
                }
            }
            let reopened = try SQLiteRunStore(path: path)
            let run = try reopened.openRun(name: "old", configuration: "rounds: 5", seed: 9)
            #expect(run.seed == nil, "created before seeds were stored; the run falls back to its configured seed")
            #expect(try reopened.openRun(name: "new", configuration: "", seed: 9).seed == 9)
        }
    }

    static let notStores: [(String, Data)] = [
        ("text", Data("rounds: 5\nfraction: 0.1\n".utf8)),
        ("a SQLite header then garbage", Data("SQLite format 3\0".utf8) + Data((0..<4096).map { UInt8($0 % 251) })),
        ("one byte", Data([0x42])),
    ]

    @Test(arguments: notStores)
    func aFileThatIsNotADatabaseIsRefusedWithItsPath(kind: String, contents: Data) throws {
        try Fixtures.withDirectory { directory in
            let path = directory.appendingPathComponent("runs.sqlite").path
            try contents.write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: StoreError.self) { try SQLiteRunStore(path: path) }
            guard case .cannotOpen(let reported, _) = error else {
                Issue.record("\(kind): expected cannotOpen, got \(error)")
                return
            }
            #expect(reported == path)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == contents, "the file is left as it was")
        }
    }

    @Test func anotherApplicationsDatabaseIsRefused() throws {
        try Fixtures.withDirectory { directory in
            let path = directory.appendingPathComponent("app.sqlite").path
            try DatabaseQueue(path: path).write { db in
                try db.execute(sql: "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
            }
            let error = try #require(throws: StoreError.self) { try SQLiteRunStore(path: path) }
            #expect(error.description.contains("another application"))
            #expect(error.description.contains("users"))
        }
    }

    @Test func aStoreOfANewerConcordIsRefused() throws {
        try Fixtures.withDirectory { directory in
            let path = directory.appendingPathComponent("runs.sqlite").path
            try SQLiteRunStore(path: path).database.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9: from the future')")
            }
            let error = try #require(throws: StoreError.self) { try SQLiteRunStore(path: path) }
            #expect(error.description.contains("newer version"))
        }
    }

    @Test func aDirectoryThatDoesNotExistIsACleanError() {
        let path = "/nonexistent-\(UUID().uuidString)/runs.sqlite"
        #expect {
            try SQLiteRunStore(path: path)
        } throws: { error in
            guard case StoreError.cannotOpen(path, _) = error else { return false }
            return true
        }
    }

    /// Damage done to a committed round's rows through SQL, and a word the error must say.
    static let damages: [(String, String)] = [
        ("a flipped bit", "SHA-256"), ("a truncated blob", "bytes"), ("a layout that is not JSON", "layout"),
        ("an impossible shape", "shape"), ("a record that is not JSON", "record"), ("a missing round", "round"),
        ("a wrong-typed column", "type"),
    ]

    static func damage(_ name: String, _ db: Database) throws {
        switch name {
        case "a flipped bit":
            var bytes = try #require(try Data.fetchOne(db, sql: "SELECT parameters FROM checkpoints"))
            bytes[5] ^= 0x10
            try db.execute(sql: "UPDATE checkpoints SET parameters = ?", arguments: [bytes])
        case "a truncated blob": try db.execute(sql: "UPDATE checkpoints SET parameters = substr(parameters, 1, 8)")
        case "a layout that is not JSON": try db.execute(sql: "UPDATE checkpoints SET layout = '{\"entries\": ['")
        case "an impossible shape":
            try db.execute(
                sql: "UPDATE checkpoints SET layout = ?",
                arguments: [#"{"entries":[{"name":"w","shape":[4611686018427387904,4]}]}"#])
        case "a record that is not JSON": try db.execute(sql: "UPDATE rounds SET record = 'round one'")
        case "a missing round": try db.execute(sql: "DELETE FROM rounds WHERE round = 1")
        case "a wrong-typed column": try db.execute(sql: "UPDATE checkpoints SET round = 'one'")
        default: Issue.record("no damage called \(name)")
        }
    }

    @Test(arguments: damages)
    func aDamagedCheckpointIsReportedAsCorrupt(damage: String, mentions: String) throws {
        try Fixtures.withDirectory { directory in
            let path = directory.appendingPathComponent("runs.sqlite").path
            let store = try SQLiteRunStore(path: path)
            let run = try store.openRun(name: "damaged", configuration: "")
            try store.commitRound(
                run: run.id, record: Fixtures.record(1), checkpoint: try Fixtures.checkpoint(values: Fixtures.oddValues)
            )
            try store.database.write { db in try Self.damage(damage, db) }
            let error = try #require(throws: StoreError.self, "\(damage)") {
                try SQLiteRunStore(path: path).latestCheckpoint(run: run.id)
            }
            guard case .corrupt(let message) = error else {
                Issue.record("\(damage): expected corrupt, got \(error)")
                return
            }
            #expect(message.contains(mentions), "\(damage): \(message)")
            #expect(message.contains(path), "\(damage): \(message)")
        }
    }
}
