import ConcordFederation
import Foundation
import Testing

@testable import ConcordStore

@Suite("Runs: opened by name, under one configuration, with a state and participants' events")
struct RunTests {
    @Test func reopeningARunGivesItBackAndAnotherConfigurationIsRefused() throws {
        let store = try SQLiteRunStore.inMemory()
        let created = try store.openRun(name: "mnist", configuration: "rounds: 3\nfraction: 0.1\n")
        #expect(created.state == .running)
        #expect(created.completedRounds == 0)
        #expect(try store.openRun(name: "mnist", configuration: "rounds: 3\nfraction: 0.1\n") == created)
        #expect(throws: StoreError.configurationMismatch(run: "mnist")) {
            try store.openRun(name: "mnist", configuration: "rounds: 3\nfraction: 0.2\n")
        }
        let other = try store.openRun(name: "cifar", configuration: "rounds: 9")
        #expect(try store.runs() == [created, other], "oldest first")
    }

    @Test func aRunKeepsTheSeedItWasCreatedWith() throws {
        let store = try SQLiteRunStore.inMemory()
        let created = try store.openRun(name: "drawn", configuration: "", seed: UInt64.max - 6)
        #expect(created.seed == UInt64.max - 6, "the whole UInt64 range survives SQLite's signed integers")
        #expect(try store.openRun(name: "drawn", configuration: "", seed: 42).seed == UInt64.max - 6)
        #expect(try store.openRun(name: "unseeded", configuration: "").seed == nil)
    }

    static let states: [(RunState, String?)] = [
        (.paused, "privacy budget spent"), (.finished, "all rounds run"), (.running, nil),
    ]

    @Test(arguments: states)
    func theStateIsStoredWithItsReason(state: RunState, reason: String?) throws {
        let store = try SQLiteRunStore.inMemory()
        let run = try store.openRun(name: "state", configuration: "")
        try store.setState(run: run.id, .paused, reason: "operator")
        try store.setState(run: run.id, state, reason: reason)
        let stored = try #require(try store.runs().first)
        #expect(stored.state == state)
        #expect(stored.reason == reason)
        #expect(stored.updatedAt >= run.updatedAt)
    }

    @Test func eachParticipantsStatusIsItsLatestEvent() throws {
        let store = try SQLiteRunStore.inMemory()
        let run = try store.openRun(name: "events", configuration: "")
        let elsewhere = try store.openRun(name: "elsewhere", configuration: "")
        let events: [(String, ParticipantEventKind, String)] = [
            ("hospital-b", .connected, "from 10.0.0.2"), ("hospital-a", .connected, "from 10.0.0.1"),
            ("hospital-a", .completed, "round 1"), ("agency-c", .refused, "not in the charter"),
            ("hospital-b", .late, "round 1, 4 s after the deadline"), ("hospital-a", .failed, "out of memory"),
        ]
        let before = Date().addingTimeInterval(-1)
        for (participant, kind, detail) in events {
            try store.recordParticipantEvent(run: run.id, participant: participant, kind: kind, detail: detail)
        }
        try store.recordParticipantEvent(run: elsewhere.id, participant: "zeta", kind: .connected, detail: "")

        let statuses = try store.participantStatuses(run: run.id)
        #expect(statuses.map(\.participant) == ["agency-c", "hospital-a", "hospital-b"])
        #expect(statuses.map(\.kind) == [.refused, .failed, .late])
        #expect(statuses.map(\.detail) == ["not in the charter", "out of memory", "round 1, 4 s after the deadline"])
        #expect(statuses.allSatisfy { $0.at >= before && $0.at <= Date().addingTimeInterval(1) })
        #expect(try store.participantStatuses(run: elsewhere.id).map(\.participant) == ["zeta"])
        #expect(throws: StoreError.unknownRun(99)) {
            try store.recordParticipantEvent(run: 99, participant: "x", kind: .connected, detail: "")
        }
    }

    @Test func errorsSayWhatToDo() {
        #expect(StoreError.roundOutOfOrder(expected: 3, got: 5).description.contains("next round of this run is 3"))
        #expect(StoreError.cannotOpen(path: "/x/runs.sqlite", reason: "r").description.contains("/x/runs.sqlite"))
        #expect(StoreError.configurationMismatch(run: "mnist").description.contains("new name"))
    }
}
