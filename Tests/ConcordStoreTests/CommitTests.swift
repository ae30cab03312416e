import ConcordFederation
import Foundation
import GRDB
import Testing

@testable import ConcordStore

@Suite("Commits: a round is written whole, in turn, or not at all")
struct CommitTests {
    struct InjectedFault: Error {}

    @Test func aRoundOutOfTurnIsRefusedAndNothingIsWritten() throws {
        let store = try SQLiteRunStore.inMemory()
        let run = try store.openRun(name: "order", configuration: "")
        let checkpoint = try Fixtures.checkpoint(values: Fixtures.oddValues)
        #expect(throws: StoreError.roundOutOfOrder(expected: 1, got: 2)) {
            try store.commitRound(run: run.id, record: Fixtures.record(2), checkpoint: checkpoint)
        }
        #expect(try store.rounds(run: run.id).isEmpty)
        #expect(try store.latestCheckpoint(run: run.id) == nil)
        #expect(try store.runs().map(\.completedRounds) == [0])
        #expect(try Self.count("metrics", in: store) == 0)

        try store.commitRound(run: run.id, record: Fixtures.record(1), checkpoint: checkpoint)
        #expect(throws: StoreError.roundOutOfOrder(expected: 2, got: 1)) {
            try store.commitRound(run: run.id, record: Fixtures.record(1), checkpoint: checkpoint)
        }
        #expect(try store.rounds(run: run.id) == [Fixtures.record(1)])
    }

    @Test func aFailureInsideTheTransactionLeavesThePreviousRoundUntouched() throws {
        let store = try SQLiteRunStore.inMemory(
            hooks: .init(afterRoundInserted: { round in if round == 2 { throw InjectedFault() } }))
        let run = try store.openRun(name: "fault", configuration: "")
        let first = try Fixtures.checkpoint(values: Fixtures.oddValues, state: Data("first".utf8))
        try store.commitRound(run: run.id, record: Fixtures.record(1), checkpoint: first)
        let metricsBefore = try Self.count("metrics", in: store)

        let second = try Fixtures.checkpoint(values: Fixtures.oddValues.map { -$0 }, state: Data("second".utf8))
        #expect(throws: InjectedFault.self) {
            try store.commitRound(run: run.id, record: Fixtures.record(2), checkpoint: second)
        }

        let loaded = try #require(try store.latestCheckpoint(run: run.id))
        #expect(loaded.parameters.bits == first.parameters.bits)
        #expect(loaded.strategyState == first.strategyState)
        #expect(loaded.history == [Fixtures.record(1)])
        #expect(try store.runs().map(\.completedRounds) == [1])
        #expect(try Self.count("metrics", in: store) == metricsBefore)
        #expect(try Self.count("rounds", in: store) == 1)
    }

    @Test func parametersThatDoNotFillTheirLayoutAreRefusedBeforeAnythingIsWritten() throws {
        let store = try SQLiteRunStore.inMemory()
        let run = try store.openRun(name: "misshapen", configuration: "")
        var checkpoint = try Fixtures.checkpoint(values: Fixtures.oddValues)
        checkpoint.parameters.values.append(1)
        #expect(throws: FederationError.self) {
            try store.commitRound(run: run.id, record: Fixtures.record(1), checkpoint: checkpoint)
        }
        #expect(try store.rounds(run: run.id).isEmpty)
        #expect(try store.runs().map(\.completedRounds) == [0])
    }

    @Test func aRoundOfAnUnknownRunIsRefused() throws {
        let store = try SQLiteRunStore.inMemory()
        #expect(throws: StoreError.unknownRun(42)) {
            try store.commitRound(
                run: 42, record: Fixtures.record(1), checkpoint: try Fixtures.checkpoint(values: Fixtures.oddValues))
        }
        #expect(throws: StoreError.unknownRun(42)) { try store.latestCheckpoint(run: 42) }
        #expect(throws: StoreError.unknownRun(42)) { try store.setState(run: 42, .paused, reason: nil) }
    }

    static func count(_ table: String, in store: SQLiteRunStore) throws -> Int {
        try store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? -1 }
    }
}
