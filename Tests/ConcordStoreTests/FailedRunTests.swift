import ConcordFederation
import Foundation
import GRDB
import Testing

@testable import ConcordStore

/// A run that ended on an error is stored as failed with its reason; opening it again restarts it, under a
/// corrected configuration only when nothing of it was committed; a store from before `failed` existed opens.
@Suite("Failed runs")
struct FailedRunTests {
    @Test func aFailedRunKeepsItsReasonAcrossProcesses() throws {
        try Fixtures.withDirectory { directory in
            let path = directory.appendingPathComponent("runs.sqlite").path
            let run = try SQLiteRunStore(path: path).openRun(name: "big", configuration: "model: mlp:65536", seed: 3)
            try SQLiteRunStore(path: path).setState(run: run.id, .failed, reason: "model 'mlp:65536' is too large")
            let stored = try #require(try SQLiteRunStore(path: path).runs().first)
            #expect(stored.state == .failed && stored.reason == "model 'mlp:65536' is too large")
        }
    }

    @Test("a failed run without rounds restarts afresh under a corrected configuration, with the new seed")
    func correctedConfigurationRestartsAFailedRunWithoutRounds() throws {
        let store = try SQLiteRunStore.inMemory()
        let first = try store.openRun(name: "test", configuration: "model: mlp:65536", seed: 3)
        try store.setState(run: first.id, .failed, reason: "too large")
        let second = try store.openRun(name: "test", configuration: "model: logreg", seed: 4)
        #expect(second.id == first.id)
        #expect(second.state == .running && second.reason == nil)
        #expect(second.configuration == "model: logreg" && second.seed == 4)
        // Now it is an ordinary run again: another configuration is refused.
        #expect(throws: StoreError.configurationMismatch(run: "test")) {
            try store.openRun(name: "test", configuration: "model: cnn", seed: 5)
        }
    }

    @Test("a failed run with committed rounds resumes under its own configuration and refuses another")
    func failedRunWithRoundsKeepsItsConfiguration() throws {
        let store = try SQLiteRunStore.inMemory()
        let run = try store.openRun(name: "test", configuration: "rounds: 5", seed: 3)
        try store.commitRound(
            run: run.id, record: Fixtures.record(1), checkpoint: try Fixtures.checkpoint(values: Fixtures.oddValues))
        try store.setState(run: run.id, .failed, reason: "disk full")
        #expect(throws: StoreError.configurationMismatch(run: "test")) {
            try store.openRun(name: "test", configuration: "rounds: 6", seed: 4)
        }
        let resumed = try store.openRun(name: "test", configuration: "rounds: 5", seed: 4)
        #expect(resumed.state == .running && resumed.reason == nil && resumed.completedRounds == 1)
        #expect(resumed.seed == 3, "a resumed run keeps the seed its committed rounds were drawn with")
        #expect(try store.rounds(run: run.id).count == 1)
    }

    @Test("a store written before runs could fail opens, keeps its runs and events, and can mark a run failed")
    func storeFromBeforeFailedMigrates() throws {
        try Fixtures.withDirectory { directory in
            let path = directory.appendingPathComponent("v2.sqlite").path
            do {
                let queue = try DatabaseQueue(path: path)
                try SQLiteRunStore.migrator.migrate(queue, upTo: "v2: each run's seed")
                try queue.write { db in
                    try db.execute(
                        sql: """
                            INSERT INTO runs (name, configuration, state, reason, completed_rounds, created_at,
                                              updated_at, seed)
                            VALUES ('old', 'rounds: 5', 'paused', 'operator', 0, ?, ?, 7)
                            """, arguments: [Date(), Date()])
                    try db.execute(
                        sql: """
                            INSERT INTO participant_events (run, participant, kind, detail, at)
                            VALUES (1, 'alpha', 'connected', 'from 127.0.0.1', ?)
                            """, arguments: [Date()])
                    #expect(throws: DatabaseError.self, "the old schema refuses 'failed'") {
                        try db.execute(sql: "UPDATE runs SET state = 'failed'")
                    }
                }
            }
            let store = try SQLiteRunStore(path: path)
            let run = try #require(try store.runs().first)
            #expect(run.name == "old" && run.state == .paused && run.reason == "operator" && run.seed == 7)
            #expect(try store.participantStatuses(run: run.id).map(\.participant) == ["alpha"])
            try store.setState(run: run.id, .failed, reason: "model too large")
            #expect(try SQLiteRunStore(path: path).runs().first?.state == .failed)
            let next = try store.openRun(name: "new", configuration: "", seed: 1)
            #expect(next.id == run.id + 1)
        }
    }
}
