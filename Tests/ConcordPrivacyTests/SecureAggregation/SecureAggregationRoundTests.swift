import ConcordFederation
import ConcordNN
import ConcordTensor
import ConcordTesting
import Testing

@testable import ConcordPrivacy

@Suite("Secure aggregation in the coordinator's rounds")
struct SecureAggregationRoundTests {
    static let layout = ParameterLayout([.init(name: "w", shape: [40])])

    /// Participants 0..<n answering fixed parameters with example counts 10·(id + 1).
    func participants(
        _ n: Int, dropouts: SecureAggregationDropouts = .none
    ) -> (proxies: [any ClientProxy], values: [[Float]]) {
        var generator = SeededGenerator(seed: 7)
        var proxies: [any ClientProxy] = []
        var values: [[Float]] = []
        for id in 0..<n {
            let v = (0..<40).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
            values.append(v)
            proxies.append(
                SecureAggregatingClient(
                    ScriptedParticipant(id: id, behaviour: .answer(values: v, examples: 10 * (id + 1))),
                    dropouts: dropouts))
        }
        return (proxies, values)
    }

    func coordinator(
        _ proxies: [any ClientProxy], strategy: any Strategy = FedAvg(localEpochs: 1, batchSize: 1, learningRate: 1),
        settings: SecureAggregationSettings = SecureAggregationSettings(bits: 16), minFitResults: Int = 1
    ) throws -> Coordinator {
        try Coordinator(
            strategy: strategy, participants: proxies, initialParameters: Parameters.zeros(Self.layout),
            configuration: CoordinatorConfiguration(
                sampler: FractionSampler(fraction: 1), minFitResults: minFitResults, evalEvery: 0, seed: 1,
                secureSummation: SecureAggregation(settings: settings, threads: 2)))
    }

    /// FedAvg's weighted mean of the given participants' values.
    func weightedMean(_ values: [[Float]], of ids: [Int]) -> [Double] {
        let total = ids.reduce(0.0) { $0 + Double(10 * ($1 + 1)) }
        return (0..<40).map { i in ids.reduce(0.0) { $0 + Double(values[$1][i]) * Double(10 * ($1 + 1)) } / total }
    }

    @Test func fedAvgThroughSecureAggregationMatchesThePlainWeightedMean() async throws {
        let (proxies, values) = participants(8)
        let coordinator = try coordinator(proxies)
        let record = await coordinator.runRound()
        #expect(record.error == nil && record.succeeded == 8 && record.failures.isEmpty)
        let expected = weightedMean(values, of: Array(0..<8))
        let step = 2.0 / 65535  // one quantisation step of the default clip range 1 at 16 bits
        for (got, want) in zip(await coordinator.parameters.values, expected) {
            #expect(abs(Double(got) - want) <= step + 1e-6)
        }
        #expect(record.metrics["secagg_neighbours"] == 7)
    }

    @Test func participantsDroppingAtEachStageLeaveTheSumOfTheOthers() async throws {
        for stage in [SecureAggregationStage.advertiseKeys, .shareKeys, .maskedInput] {
            let dropouts = SecureAggregationDropouts(rates: [stage: 0.2], seed: 3)
            let dropped = (0..<12).filter { dropouts.drops(participant: $0, round: 1, at: stage) }
            try #require(!dropped.isEmpty && dropped.count <= 3, "the seed should drop a few: \(dropped)")
            let (proxies, values) = participants(12, dropouts: dropouts)
            let coordinator = try coordinator(proxies)
            let record = await coordinator.runRound()
            #expect(record.error == nil, "\(stage): \(record.error ?? "")")
            #expect(record.failures.map(\.participant) == dropped)
            let kept = (0..<12).filter { !dropped.contains($0) }
            let expected = weightedMean(values, of: kept)
            for (got, want) in zip(await coordinator.parameters.values, expected) {
                #expect(abs(Double(got) - want) <= 2.0 / 65535 + 1e-6)
            }
        }
    }

    @Test func tooManyDropoutsFailTheRoundAndKeepTheModel() async throws {
        let (proxies, _) = participants(6, dropouts: SecureAggregationDropouts(rates: [.unmask: 0.9], seed: 1))
        let coordinator = try coordinator(proxies)
        let record = await coordinator.runRound()
        #expect(record.error?.contains("secure aggregation failed") == true, "\(record.error ?? "no error")")
        #expect(record.succeeded == 0)
        #expect(await coordinator.parameters == Parameters.zeros(Self.layout))
    }

    @Test func robustAggregatorsAreRefused() throws {
        let (proxies, _) = participants(5)
        let median = try StrategySpecification(parsing: "median").make(
            local: LocalTraining(epochs: 1, batchSize: 1, learningRate: 1))
        #expect(throws: FederationError.self) { _ = try coordinator(proxies, strategy: median) }
        let scaffold = try StrategySpecification(parsing: "scaffold").make(
            local: LocalTraining(epochs: 1, batchSize: 1, learningRate: 1))
        #expect(throws: FederationError.self) { _ = try coordinator(proxies, strategy: scaffold) }
    }

    @Test func aParticipantThatDoesNotSpeakTheProtocolIsRecordedAndTheRestAggregate() async throws {
        var (proxies, _) = participants(6)
        proxies[2] = ScriptedParticipant(
            id: 2, behaviour: .answer(values: [Float](repeating: 9, count: 40), examples: 1))
        let coordinator = try coordinator(proxies)
        let record = await coordinator.runRound()
        #expect(record.error == nil)
        #expect(record.failures == [ParticipantFailure(participant: 2, reason: "does not speak secure aggregation")])
    }

    @Test func differentialPrivacyNoisesTheSecureSumWithClientSideClipping() async throws {
        let (proxies, values) = participants(6)
        let ledger = try PrivacyLedger(delta: 1e-5, epsilonBudget: nil)
        let dp = try DifferentiallyPrivate(
            FedAvg(localEpochs: 1, batchSize: 1, learningRate: 1), noiseMultiplier: 0, clipping: .fixed(0.5),
            clientSide: true, expectedParticipants: 6, accountingSamplingRate: 1, ledger: ledger)
        let noiseless = try coordinator(proxies, strategy: dp)
        let record = await noiseless.runRound()
        #expect(record.error == nil, "\(record.error ?? "")")
        // z = 0: the release is the mean of the updates clipped to C less the rounding margin, unweighted.
        let step: Double = 2 * 0.5 / 65535
        let margin: Double = step * Double(40).squareRoot()
        var expected = [Double](repeating: 0, count: 40)
        for v in values {
            var clipped = v
            _ = L2Clipping.clip(&clipped, to: 0.5 - margin)
            for i in 0..<40 { expected[i] += Double(clipped[i]) / 6 }
        }
        for (got, want) in zip(await noiseless.parameters.values, expected) {
            #expect(abs(Double(got) - want) <= step + 1e-6)
        }
        #expect(record.metrics["epsilon"] != nil)
        // Without client-side clipping the coordinator has nothing it could clip: refused, model kept.
        let central = try DifferentiallyPrivate(
            FedAvg(localEpochs: 1, batchSize: 1, learningRate: 1), noiseMultiplier: 1, clipping: .fixed(0.5),
            clientSide: false, expectedParticipants: 6, accountingSamplingRate: 1, ledger: ledger)
        let refused = try coordinator(participants(6).proxies, strategy: central)
        let failed = await refused.runRound()
        #expect(failed.error?.contains("client-side") == true)
        #expect(await refused.parameters == Parameters.zeros(Self.layout))
    }
}
