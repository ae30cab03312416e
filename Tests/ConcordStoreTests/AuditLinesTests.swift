import ConcordFederation
import Foundation
import Testing

@testable import ConcordStore

/// The run's audit log lines: written with the round they record, in the same transaction, or not at all.
@Suite("Audit log lines are committed with their round")
struct AuditLinesTests {
    @Test func linesAreNumberedOnAndWrittenWithTheRound() throws {
        let store = try SQLiteRunStore.inMemory()
        let run = try store.openRun(name: "audited", configuration: "")
        #expect(try store.auditLines(run: run.id).isEmpty)
        try store.appendAuditLines(run: run.id, ["start"])
        let checkpoint = try Fixtures.checkpoint(values: Fixtures.oddValues)
        try store.commitRound(run: run.id, record: Fixtures.record(1), checkpoint: checkpoint, auditLines: ["r1a", "r1b"])
        try store.appendAuditLines(run: run.id, ["seal"])
        #expect(try store.auditLines(run: run.id) == ["start", "r1a", "r1b", "seal"])
        // Another run's log is its own.
        let other = try store.openRun(name: "other", configuration: "")
        #expect(try store.auditLines(run: other.id).isEmpty)
    }

    @Test func aRoundThatFailsToCommitLeavesNoLines() throws {
        let store = try SQLiteRunStore.inMemory(
            hooks: .init(afterRoundInserted: { round in if round == 2 { throw CommitTests.InjectedFault() } }))
        let run = try store.openRun(name: "fault", configuration: "")
        let checkpoint = try Fixtures.checkpoint(values: Fixtures.oddValues)
        try store.commitRound(run: run.id, record: Fixtures.record(1), checkpoint: checkpoint, auditLines: ["r1"])
        #expect(throws: CommitTests.InjectedFault.self) {
            try store.commitRound(run: run.id, record: Fixtures.record(2), checkpoint: checkpoint, auditLines: ["r2"])
        }
        #expect(try store.auditLines(run: run.id) == ["r1"])
        // Out of turn: refused, nothing written.
        #expect(throws: StoreError.roundOutOfOrder(expected: 2, got: 3)) {
            try store.commitRound(run: run.id, record: Fixtures.record(3), checkpoint: checkpoint, auditLines: ["r3"])
        }
        #expect(try store.auditLines(run: run.id) == ["r1"])
    }

    @Test func anUnknownRunIsRefused() throws {
        let store = try SQLiteRunStore.inMemory()
        #expect(throws: StoreError.unknownRun(42)) { try store.appendAuditLines(run: 42, ["x"]) }
        #expect(throws: StoreError.unknownRun(42)) { try store.auditLines(run: 42) }
    }
}
