import ConcordFederation
import ConcordTensor
import ConcordTesting
import Testing

@Suite("Coordinator rounds: sampling, aggregation, failures, deadlines, events")
struct CoordinatorTests {
    func coordinator(
        _ participants: [ScriptedParticipant], minFitResults: Int = 1, deadline: Duration? = nil,
        fraction: Double = 1
    ) throws -> Coordinator {
        try Coordinator(
            strategy: FedAvg(localEpochs: 1, batchSize: 10, learningRate: 0.1), participants: participants,
            initialParameters: try Fixtures.parameters([0, 0, 0]),
            configuration: CoordinatorConfiguration(
                sampler: FractionSampler(fraction: fraction),
                minFitResults: minFitResults, roundDeadline: deadline,
                evalEvery: 0, seed: 1))
    }

    @Test func fedAvgWeightsByExampleCount() async throws {
        let c = try coordinator([
            ScriptedParticipant(id: 0, behaviour: .answer(values: [1, 2, 3], examples: 100)),
            ScriptedParticipant(id: 1, behaviour: .answer(values: [5, 6, 7], examples: 300)),
        ])
        let record = await c.runRound()
        #expect(record.completed && record.succeeded == 2 && record.failures.isEmpty)
        // (100·[1,2,3] + 300·[5,6,7]) / 400
        #expect(await c.parameters.values == [4, 5, 6])
        #expect(record.metrics["loss"] == 0.75)  // example-weighted mean of the ids 0 and 1
    }

    @Test func failuresAreRecordedNotFatal() async throws {
        let c = try coordinator([
            ScriptedParticipant(id: 0, behaviour: .answer(values: [2, 2, 2], examples: 10)),
            ScriptedParticipant(id: 1, behaviour: .fail),
        ])
        let record = await c.runRound()
        #expect(record.completed)
        #expect(record.failures == [ParticipantFailure(participant: 1, reason: "disk on fire")])
        #expect(await c.parameters.values == [2, 2, 2])
    }

    @Test func tooFewResultsKeepThePreviousModel() async throws {
        let c = try coordinator(
            [
                ScriptedParticipant(id: 0, behaviour: .answer(values: [2, 2, 2], examples: 10)),
                ScriptedParticipant(id: 1, behaviour: .fail), ScriptedParticipant(id: 2, behaviour: .fail),
            ], minFitResults: 2)
        let record = await c.runRound()
        #expect(!record.completed && record.succeeded == 0 && record.failures.count == 2)
        #expect(record.error?.contains("only 1 participants answered, 2 are required") == true)
        #expect(await c.parameters.values == [0, 0, 0])
    }

    @Test func aParticipantMissingTheDeadlineDoesNotStallTheRound() async throws {
        let c = try coordinator(
            [
                ScriptedParticipant(id: 0, behaviour: .answer(values: [3, 3, 3], examples: 10)),
                ScriptedParticipant(id: 1, behaviour: .stall(.seconds(600))),
            ], deadline: .milliseconds(200))
        let start = ContinuousClock.now
        let record = await c.runRound()
        // Far less than the 600 s stall. Generous: on 2 cores, other suites' synchronous tests can hold
        // the cooperative pool, and with it the deadline's timer, for many seconds (145 s once, at a load average of 11).
        #expect(ContinuousClock.now - start < .seconds(400))
        #expect(record.completed && record.succeeded == 1)
        #expect(record.failures == [ParticipantFailure(participant: 1, reason: "missed the round deadline")])
        #expect(await c.parameters.values == [3, 3, 3])
    }

    @Test func aHostileLayoutIsRecordedAsAFailureAndTheOthersAreAggregated() async throws {
        let c = try coordinator([
            ScriptedParticipant(id: 0, behaviour: .answer(values: [3, 3, 3], examples: 10)),
            ScriptedParticipant(id: 1, behaviour: .wrongLayout),
            ScriptedParticipant(id: 2, behaviour: .answer(values: [.nan, 3, 3], examples: 10)),
        ])
        let record = await c.runRound()
        #expect(record.completed)
        #expect(record.succeeded == 1)
        #expect(record.failures.map(\.participant) == [1, 2])
        #expect(record.failures[0].reason.contains("another model"))
        #expect(record.failures[1].reason.contains("non-finite"))
        #expect(await c.parameters.values == [3, 3, 3])
    }

    @Test func anOverflowingAggregateIsRefusedAndTheStrategyStateRolledBack() async throws {
        // Finite but huge updates: FedAdam's second moment overflows to infinity.
        let participants = [ScriptedParticipant(id: 0, behaviour: .answer(values: [3e38, 3e38, 3e38], examples: 1))]
        let c = try Coordinator(
            strategy: FedOpt(
                local: LocalTraining(epochs: 1, batchSize: 1, learningRate: 1), aggregator: WeightedMean(),
                optimizer: FedAdam(learningRate: 1)),
            participants: participants, initialParameters: try Fixtures.parameters([-3e38, 0, 0]),
            configuration: CoordinatorConfiguration(sampler: FractionSampler(fraction: 1), evalEvery: 0, seed: 1))
        let record = await c.runRound()
        #expect(!record.completed)
        #expect(record.error?.contains("non-finite") == true)
        #expect(await c.parameters.values == [-3e38, 0, 0])
        let state = try #require(await c.strategy as? FedOpt<WeightedMean, FedAdam>)
        #expect(state.optimizer.m.isEmpty, "the moments are those before the failed round")
    }

    @Test func aRoundOfOnlyHostileAnswersKeepsTheModel() async throws {
        let c = try coordinator([ScriptedParticipant(id: 1, behaviour: .wrongLayout)])
        let record = await c.runRound()
        #expect(!record.completed)
        #expect(await c.parameters.values == [0, 0, 0])
    }

    @Test func eventsFollowTheRound() async throws {
        let c = try coordinator(
            (0..<3).map { ScriptedParticipant(id: $0, behaviour: .answer(values: [1, 1, 1], examples: 1)) })
        let events = await c.events()
        _ = await c.run(rounds: 2)
        var kinds: [String] = []
        for await event in events {
            switch event {
            case .roundStarted(let round, let participants): kinds.append("start \(round) \(participants)")
            case .participantFinished(_, _, _, let done, let total): kinds.append("done \(done)/\(total)")
            case .roundFinished(let record): kinds.append("finish \(record.round)")
            case .runFinished(let rounds, _):
                kinds.append("run \(rounds)")
            }
            if kinds.last == "run 2" { break }
        }
        #expect(
            kinds == [
                "start 1 [0, 1, 2]", "done 1/3", "done 2/3", "done 3/3", "finish 1",
                "start 2 [0, 1, 2]", "done 1/3", "done 2/3", "done 3/3", "finish 2", "run 2",
            ])
    }

    @Test func invalidSettingsAreRejected() throws {
        let one = [ScriptedParticipant(id: 0, behaviour: .fail)]
        #expect(throws: FederationError.self) { try coordinator(one, minFitResults: 2) }
        #expect(throws: FederationError.self) { try coordinator(one + one) }
    }

    @Test(arguments: [(0.1, 100, 1, 10), (0.1, 5, 1, 1), (0.05, 10, 3, 3), (1.0, 7, 1, 7)])
    func fractionSamplerTakesMaxOfCKAndMinimum(fraction: Double, available: Int, minimum: Int, expected: Int) {
        let sampler = FractionSampler(fraction: fraction, minimum: minimum)
        var g = SeededGenerator(seed: 9)
        let chosen = sampler.sample(round: 1, available: Array(0..<available), generator: &g)
        #expect(chosen.count == expected)
        #expect(Set(chosen).count == chosen.count && chosen == chosen.sorted())
        var again = SeededGenerator(seed: 9)
        #expect(sampler.sample(round: 1, available: Array(0..<available), generator: &again) == chosen)
    }
}
