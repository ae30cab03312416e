import ConcordFederation
import ConcordNN
import Foundation
import GRDB
import Testing

@testable import ConcordStore

@Suite("Checkpoints: what is committed is what is loaded, bit for bit")
struct CheckpointStorageTests {
    @Test func nothingIsCheckpointedBeforeTheFirstRound() throws {
        let store = try SQLiteRunStore.inMemory()
        let run = try store.openRun(name: "mnist", configuration: "rounds: 3")
        #expect(try store.latestCheckpoint(run: run.id) == nil)
        #expect(try store.rounds(run: run.id).isEmpty)
    }

    @Test func oddValuesAndStrategyBytesRoundTripBitForBit() throws {
        let store = try SQLiteRunStore.inMemory()
        let run = try store.openRun(name: "odd", configuration: "")
        let state = Data([0x00, 0xff, 0x7b, 0x22, 0x0a, 0x00, 0x80])
        let checkpoint = try Fixtures.checkpoint(values: Fixtures.oddValues, state: state)
        try store.commitRound(run: run.id, record: Fixtures.record(1), checkpoint: checkpoint)

        let loaded = try #require(try store.latestCheckpoint(run: run.id))
        #expect(loaded.parameters.bits == checkpoint.parameters.bits)
        #expect(loaded.parameters.layout == Fixtures.layout)
        #expect(loaded.strategyState == state)
        #expect(loaded.strategyType == checkpoint.strategyType)
    }

    @Test func anEmptyModelAndAnEmptyStrategyStateRoundTrip() throws {
        let store = try SQLiteRunStore.inMemory()
        let run = try store.openRun(name: "empty", configuration: "")
        let checkpoint = try Fixtures.checkpoint(values: [], layout: ParameterLayout([]), state: Data())
        try store.commitRound(run: run.id, record: Fixtures.record(1), checkpoint: checkpoint)
        let loaded = try #require(try store.latestCheckpoint(run: run.id))
        var expected = checkpoint
        expected.history = [Fixtures.record(1)]
        #expect(loaded == expected)
    }

    @Test func theHistoryIsRebuiltFromTheCommittedRounds() throws {
        let store = try SQLiteRunStore.inMemory()
        let run = try store.openRun(name: "history", configuration: "")
        let records = [
            Fixtures.record(1), Fixtures.record(2, accuracy: nil, error: "too few answers"), Fixtures.record(3),
        ]
        for (index, record) in records.enumerated() {
            let values = Fixtures.oddValues.map { $0 + Float(index) }
            try store.commitRound(run: run.id, record: record, checkpoint: try Fixtures.checkpoint(values: values))
        }
        #expect(try store.rounds(run: run.id) == records)
        let loaded = try #require(try store.latestCheckpoint(run: run.id))
        #expect(loaded.history == records)
        #expect(loaded.parameters.bits == Fixtures.oddValues.map { ($0 + 2).bitPattern }, "the last round's")
        #expect(try store.runs().map(\.completedRounds) == [3])
    }

    @Test func theRoundsMetricsAreQueryable() throws {
        let store = try SQLiteRunStore.inMemory()
        let run = try store.openRun(name: "metrics", configuration: "")
        try store.commitRound(
            run: run.id, record: Fixtures.record(1, accuracy: 0.875),
            checkpoint: try Fixtures.checkpoint(values: Fixtures.oddValues))
        let rows = try store.database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT name, value FROM metrics WHERE run = ? AND round = 1", arguments: [run.id])
        }
        let metrics = Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as String, $0["value"] as Double?) })
        #expect(metrics["train_loss"] == 0.75)
        #expect(metrics["clip_fraction"] == .infinity)
        #expect(metrics["evaluation.accuracy"] == 0.875)
        #expect(metrics["round.succeeded"] == 2)
        let accuracy = try store.database.read { db in
            try Double.fetchOne(db, sql: "SELECT accuracy FROM rounds WHERE run = ? AND round = 1", arguments: [run.id])
        }
        #expect(accuracy == 0.875)
    }

    @Test func aFiveMillionParameterCheckpointCommitsAndLoads() throws {
        let count = 5_000_000
        let layout = ParameterLayout([.init(name: "big.weight", shape: [count / 1000, 1000])])
        var values = [Float](repeating: 0, count: count)
        for index in values.indices {
            values[index] = Float(bitPattern: UInt32(truncatingIfNeeded: index &* 2_654_435_761))
        }
        let checkpoint = try Fixtures.checkpoint(values: values, layout: layout)
        try Fixtures.withDirectory { directory in
            let store = try SQLiteRunStore(path: directory.appendingPathComponent("big.sqlite").path)
            let run = try store.openRun(name: "big", configuration: "")
            let clock = ContinuousClock()
            let commit = try clock.measure {
                try store.commitRound(run: run.id, record: Fixtures.record(1), checkpoint: checkpoint)
            }
            var loaded: Checkpoint?
            let load = try clock.measure { loaded = try store.latestCheckpoint(run: run.id) }
            print("5M parameters (20 MB): commit \(commit), load \(load)")
            #expect(try #require(loaded).parameters.bits == checkpoint.parameters.bits)
        }
    }
}
