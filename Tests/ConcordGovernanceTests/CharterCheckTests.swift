import Foundation
import Testing

@testable import ConcordGovernance

@Suite struct CharterCheckTests {
    static func request() throws -> RunRequest {
        let charter = try Fixture.get().charter
        return RunRequest(
            model: "logreg", layoutHash: charter.tasks[0].layoutHash, strategy: "fedavg", rounds: 2,
            noiseMultiplier: 1.5, delta: 1e-6, epsilonBudget: 8, secureAggregation: true)
    }

    @Test func aPermittedRunPasses() throws {
        let charter = try Fixture.get().charter
        var request = try Self.request()
        try charter.check(request)
        request.strategy = "median+fedavg"  // the same strategy as the permitted "median"
        try charter.check(request)
    }

    static let violations: [(String, @Sendable (inout RunRequest) -> Void)] = [
        ("tasks", { $0.model = "cnn" }),
        ("tasks[0].layout_hash", { $0.layoutHash = String(repeating: "ab", count: 32) }),
        ("tasks[0].strategies", { $0.strategy = "trimmed-mean:0.1" }),
        ("tasks[0].strategies", { $0.strategy = "not-a-strategy" }),
        ("tasks[0].max_rounds", { $0.rounds = 3 }),
        ("privacy.secure_aggregation", { $0.secureAggregation = false }),
        ("privacy.min_noise_multiplier", { $0.noiseMultiplier = 0.5 }),
        ("privacy.min_noise_multiplier", { $0.noiseMultiplier = nil }),
        ("privacy.max_delta", { $0.delta = 1e-3 }),
        ("privacy.max_epsilon", { $0.epsilonBudget = 2000 }),
        ("privacy.max_epsilon", { $0.epsilonBudget = nil }),
    ]

    @Test("each refusal names its clause", arguments: violations)
    func refusals(clause: String, change: @Sendable (inout RunRequest) -> Void) throws {
        let charter = try Fixture.get().charter
        var request = try Self.request()
        change(&request)
        #expect {
            try charter.check(request)
        } throws: { error in
            (error as? CharterViolation)?.clause == clause
        }
    }

    @Test func messagesStateWhatWasAskedAndWhatIsAllowed() throws {
        let charter = try Fixture.get().charter
        var request = try Self.request()
        request.noiseMultiplier = 0.5
        do {
            try charter.check(request)
        } catch {
            #expect(error.description == "privacy.min_noise_multiplier: 0.5 < 1.0")
        }
        request = try Self.request()
        request.strategy = "median+fedadam"
        do {
            try charter.check(request)
        } catch {
            #expect(
                error.description
                    == "tasks[0].strategies: 'median+fedadam' is not permitted (permitted: fedavg, median)")
        }
    }

    static func task() throws -> ParticipantTask {
        let charter = try Fixture.get().charter
        return ParticipantTask(
            charterHash: charter.hash, round: 1, layoutHash: charter.tasks[0].layoutHash, samplingRate: 0.5,
            noiseMultiplier: 1.2, delta: 1e-5, secureAggregation: true)
    }

    static let taskViolations: [(String, @Sendable (inout ParticipantTask) -> Void)] = [
        ("charter", { $0.charterHash = String(repeating: "0", count: 64) }),
        ("tasks", { $0.layoutHash = String(repeating: "cd", count: 32) }),
        ("tasks[0].max_rounds", { $0.round = 3 }),
        ("privacy", { $0.samplingRate = 0 }),
        ("privacy.secure_aggregation", { $0.secureAggregation = false }),
        ("privacy.min_noise_multiplier", { $0.noiseMultiplier = 0.9 }),
        ("privacy.max_delta", { $0.delta = 1e-4 }),
    ]

    @Test("a participant refuses a task outside its charter", arguments: taskViolations)
    func participantRefusals(clause: String, change: @Sendable (inout ParticipantTask) -> Void) throws {
        let charter = try Fixture.get().charter
        var task = try Self.task()
        try charter.check(task: task)
        change(&task)
        #expect {
            try charter.check(task: task)
        } throws: { error in
            (error as? CharterViolation)?.clause == clause
        }
    }
}

@Suite struct ParticipantLedgerTests {
    @Test func stopsAtItsCap() throws {
        let charter = try Fixture.get().charter
        var ledger = try ParticipantLedger(participant: "participant-0", epsilonCap: 2, delta: 1e-5)
        var accepted = 0
        for round in 1...200 {
            let task = ParticipantTask(
                charterHash: charter.hash, round: round, layoutHash: charter.tasks[0].layoutHash, samplingRate: 0.1,
                noiseMultiplier: 1.1, delta: 1e-5, secureAggregation: true)
            guard ledger.mayTakePart(in: task) else {
                #expect(ledger.refusal(for: task)?.contains("participant-0") == true)
                #expect(throws: (any Error).self) { try ledger.record(task) }
                break
            }
            try ledger.record(task)
            accepted += 1
        }
        #expect(accepted > 1 && accepted < 200)
        #expect(ledger.epsilonSpent <= 2)
        #expect(ledger.rounds.count == accepted)
    }

    @Test func refusesUnaccountableOrReplayedRounds() throws {
        var ledger = try ParticipantLedger(participant: "p", epsilonCap: 5, delta: 1e-5)
        var task = ParticipantTask(
            charterHash: nil, round: 1, layoutHash: "", samplingRate: 1, noiseMultiplier: nil, delta: 1e-5,
            secureAggregation: true)
        #expect(!ledger.mayTakePart(in: task))
        task.noiseMultiplier = 5
        try ledger.record(task)
        #expect(!ledger.mayTakePart(in: task))  // round 1 again
        task.round = 2
        task.delta = 1e-3
        #expect(!ledger.mayTakePart(in: task))  // a looser δ than its cap's
    }

    @Test func isCodableAndUsesTheCharterCap() throws {
        let example = try Fixture.get()
        let participant = try #require(example.charter.participants.first)
        let ledger = try ParticipantLedger(for: participant, under: example.charter)
        #expect(ledger.epsilonCap == participant.epsilonCap)
        #expect(ledger.delta == example.charter.privacy.maxDelta)
        let data = try JSONEncoder().encode(ledger)
        #expect(try JSONDecoder().decode(ParticipantLedger.self, from: data) == ledger)
    }
}
