import ConcordFederation
import ConcordNN
import ConcordTesting
import Foundation
import Testing

@testable import ConcordPrivacy

@Suite("DP-FedAvg: clipping, calibrated secure noise, refusals, the ledger in a run")
struct DifferentiallyPrivateTests {
    static let fedavg = FedAvg(localEpochs: 1, batchSize: 1, learningRate: 1)

    func layout(_ n: Int) -> ParameterLayout { ParameterLayout([.init(name: "w", shape: [n])]) }

    func dp(
        z: Double, clip: ClippingPolicy = .fixed(1), m: Double = 10, q: Double = 0.1, clientSide: Bool = false,
        budget: Double? = nil
    ) throws -> DifferentiallyPrivate<FedAvg> {
        try DifferentiallyPrivate(
            Self.fedavg, noiseMultiplier: z, clipping: clip, clientSide: clientSide, expectedParticipants: m,
            accountingSamplingRate: q, ledger: try PrivacyLedger(delta: 1e-5, epsilonBudget: budget))
    }

    func result(_ participant: Int, _ values: [Float], unclipped: Double? = nil) throws -> FitResult {
        var update = ClientUpdate(
            parameters: try Parameters(layout: layout(values.count), values: values), exampleCount: 7)
        if let unclipped { update.metrics["unclipped"] = unclipped }
        return FitResult(participant: participant, update: update)
    }

    @Test func noiseOnZeroUpdatesHasTheConfiguredStandardDeviation() throws {
        let n = 200_000
        var strategy = try dp(z: 1.3, clip: .fixed(0.8), m: 10)
        let current = Parameters.zeros(layout(n))
        let zero = try result(0, [Float](repeating: 0, count: n))
        let out = try strategy.aggregateFit(round: 1, current: current, results: [zero, zero], failures: [])
        let values = out.parameters.values.map(Double.init)
        let mean = values.reduce(0, +) / Double(n)
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)).squareRoot()
        let expected = 1.3 * 0.8 / 10
        #expect(abs(sd / expected - 1) < 0.01, "σ̂ = \(sd), expected z·C/m = \(expected)")
        #expect(abs(mean) < 5 * expected / Double(n).squareRoot())
        #expect(out.metrics["noise_stddev"] == expected)
        // Fresh noise every round from the system's CSPRNG: two rounds never repeat.
        let again = try strategy.aggregateFit(round: 2, current: current, results: [zero], failures: [])
        #expect(again.parameters.values != out.parameters.values)
    }

    @Test func updatesAreClippedAndAveragedOverTheFixedDenominator() throws {
        var strategy = try dp(z: 0, clip: .fixed(1), m: 4)
        let current = try Parameters(layout: layout(2), values: [1, 1])
        // Δ = [3, 4] (norm 5 → clipped to [0.6, 0.8]) and Δ = [0.5, 0] (within C): sum [1.1, 0.8], / m = 4.
        let out = try strategy.aggregateFit(
            round: 1, current: current, results: [try result(0, [4, 5]), try result(1, [1.5, 1])], failures: [])
        #expect(abs(out.parameters.values[0] - (1 + 1.1 / 4)) < 1e-6)
        #expect(abs(out.parameters.values[1] - (1 + 0.8 / 4)) < 1e-6)
    }

    @Test func anEmptyRoundStillReleasesNoiseAndIsAccounted() throws {
        var strategy = try dp(z: 1, m: 10)
        let out = try strategy.aggregateFit(round: 1, current: .zeros(layout(1000)), results: [], failures: [])
        #expect(out.parameters.values.contains { $0 != 0 })
        #expect(strategy.ledger.entries.count == 1)
    }

    @Test func clientSideClippingSendsTheClipNormAndUsesTheParticipantsBit() throws {
        var strategy = try dp(
            z: 0, clip: .adaptive(try #require(AdaptiveClipping(clipNorm: 1, countNoiseStandardDeviation: 0))),
            m: 2, clientSide: true)
        let p = Parameters.zeros(layout(2))
        let instructions = strategy.configureFit(round: 1, parameters: p, participants: [3, 4], seed: 1)
        #expect(instructions.values.allSatisfy { $0.config.clipNorm == 1 })
        #expect(
            instructions[3]?.config.privacy
                == PrivacyMechanism(samplingRate: 0.1, noiseMultiplier: 0, delta: 1e-5, clipNorm: 1))
        // Both participants report they were clipped: C grows by exp(0.2·0.5).
        let out = try strategy.aggregateFit(
            round: 1, current: p,
            results: [try result(3, [0.5, 0], unclipped: 0), try result(4, [0, 0.5], unclipped: 0)],
            failures: [])
        #expect(out.metrics["unclipped_fraction"] == 0)
        #expect(abs(strategy.clipping.clipNorm - exp(0.1)) < 1e-12)
    }

    @Test func strategiesThatNeedIndividualUpdatesAreRefused() throws {
        let local = LocalTraining(epochs: 1, batchSize: 1, learningRate: 1)
        for name in ["median", "krum:1", "scaffold"] {
            let inner = try StrategySpecification(parsing: name).make(local: local)
            func wrap<S: Strategy>(_ s: S) throws {
                _ = try DifferentiallyPrivate(
                    s, noiseMultiplier: 1, clipping: .fixed(1), clientSide: false, expectedParticipants: 1,
                    accountingSamplingRate: 1, ledger: try PrivacyLedger(delta: 1e-5, epsilonBudget: nil))
            }
            #expect(throws: PrivacyError.self) { try wrap(inner) }
        }
        #expect(throws: PrivacyError.self) { try dp(z: 1, clip: .fixed(0)) }
        #expect(throws: PrivacyError.self) { try dp(z: -1) }
        #expect(throws: PrivacyError.self) { try dp(z: 1, q: 0) }
    }

    @Test func theRunStopsAtTheLastRoundItCanAffordAndSaysSo() async throws {
        // q = 0.1, z = 1, δ = 1e-5: ε = 5.885 after 50 rounds and 7.904 after 100 (dp_accounting); a budget
        // of 3 affords a handful of rounds.
        let strategy = try dp(z: 1, clip: .fixed(1), m: 1, q: 0.1, budget: 3)
        let participants = (0..<10).map {
            ScriptedParticipant(id: $0, behaviour: .answer(values: [0.5, 0.5], examples: 1))
        }
        let coordinator = try Coordinator(
            strategy: strategy, participants: participants, initialParameters: .zeros(layout(2)),
            configuration: CoordinatorConfiguration(
                sampler: PoissonSampler(probability: 0.1), minFitResults: 0, evalEvery: 0, seed: 3))
        let events = await coordinator.events()
        let result = await coordinator.run(rounds: 100)
        let records = result.records
        guard case .budgetExhausted(let refusal) = result.outcome else {
            Issue.record("the run ended otherwise: \(result.outcome)")
            return
        }
        #expect(refusal.contains("privacy budget exhausted"))
        let ledger = try #require(await coordinator.strategy as? DifferentiallyPrivate<FedAvg>).ledger
        #expect(records.count == ledger.entries.count)
        #expect(records.count > 1 && records.count < 100)
        #expect(ledger.epsilonSpent <= 3)
        let next = try ledger.epsilon(afterAnotherRoundWith: 0.1, noiseMultiplier: 1)
        #expect(next > 3, "the next round would have exceeded the budget")
        let expected = try RDPAccountant.epsilon(
            samplingRate: 0.1, noiseMultiplier: 1, steps: records.count, delta: 1e-5)
        #expect(abs(ledger.epsilonSpent - expected) < 1e-12)
        #expect(records.map { $0.metrics["epsilon"] } == ledger.entries.map(\.epsilon))
        var reason = ""
        for await event in events {
            if case .runFinished(_, let why) = event {
                reason = why
                break
            }
        }
        #expect(reason.contains("privacy budget exhausted"))
        #expect(reason.contains("round \(records.count + 1)"))
        #expect(reason.contains("the model of round \(records.count)"))
        let refused = await coordinator.runRound()
        #expect(!refused.completed && refused.sampled.isEmpty, "a refused round contacts nobody")
        #expect(await coordinator.history.count == records.count)
    }

    @Test func aPrivateRunCheckpointsItsLedger() async throws {
        var strategy = try dp(z: 1, budget: 10)
        _ = try strategy.aggregateFit(round: 1, current: .zeros(layout(3)), results: [], failures: [])
        let checkpoint = try Checkpoint(parameters: .zeros(layout(3)), strategy: strategy, history: [])
        let restored = try checkpoint.strategy(like: try dp(z: 1, budget: 10))
        #expect(restored.ledger == strategy.ledger)
        #expect(restored.ledger.entries.count == 1)
    }

    @Test func aRunsNoiseKeyNoisesEachRoundTheSameWayAndStaysOutOfCheckpoints() throws {
        let n = 50_000
        let key = RunNoiseKey()
        var keyed = try dp(z: 1.3, clip: .fixed(0.8), m: 10)
        keyed.noiseKey = key
        let current = Parameters.zeros(layout(n))
        let zero = try result(0, [Float](repeating: 0, count: n))
        let first = try keyed.aggregateFit(round: 3, current: current, results: [zero], failures: [])
        // The round computed again, by another instance with the key (a resumed coordinator): the same release.
        var again = try dp(z: 1.3, clip: .fixed(0.8), m: 10)
        again.noiseKey = key
        #expect(try again.aggregateFit(round: 3, current: current, results: [zero], failures: []).parameters == first.parameters)
        // Another round, another key, or no key: other noise, of the calibrated size.
        #expect(try keyed.aggregateFit(round: 4, current: current, results: [zero], failures: []).parameters != first.parameters)
        var other = try dp(z: 1.3, clip: .fixed(0.8), m: 10)
        other.noiseKey = RunNoiseKey()
        #expect(try other.aggregateFit(round: 3, current: current, results: [zero], failures: []).parameters != first.parameters)
        let values = first.parameters.values.map(Double.init)
        let sd = (values.reduce(0) { $0 + $1 * $1 } / Double(n)).squareRoot()
        #expect(abs(sd / (1.3 * 0.8 / 10) - 1) < 0.02, "σ̂ = \(sd)")

        // A checkpoint never holds the key; the run's strategy puts it back on resume.
        let checkpoint = try Checkpoint(parameters: current, strategy: keyed, history: [])
        let stored = String(decoding: checkpoint.strategyState, as: UTF8.self)
        #expect(!stored.contains("noiseKey") && !stored.contains("\(key.bytes)"), "\(stored)")
        var template = try dp(z: 1.3, clip: .fixed(0.8), m: 10)
        template.noiseKey = key
        #expect(try checkpoint.strategy(like: template).noiseKey == key)
        #expect(try checkpoint.strategy(like: try dp(z: 1.3, clip: .fixed(0.8), m: 10)).noiseKey == nil)
    }

    @Test func aNoiseKeyIsThirtyTwoBytes() {
        #expect(throws: PrivacyError.self) { try RunNoiseKey(bytes: [1, 2, 3]) }
        #expect(RunNoiseKey() != RunNoiseKey())
    }
}
