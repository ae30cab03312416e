import ConcordFederation
import ConcordNN
import Testing

@Suite("Strategies: FedProx, stragglers, SCAFFOLD, specification parsing")
struct StrategyTests {
    let layout = ParameterLayout([.init(name: "w", shape: [2])])

    func parameters(_ values: [Float]) throws -> Parameters { try Parameters(layout: layout, values: values) }

    func result(_ participant: Int, _ values: [Float], examples: Int = 10, steps: Int = 4) throws -> FitResult {
        FitResult(
            participant: participant,
            update: ClientUpdate(parameters: try parameters(values), exampleCount: examples, steps: steps))
    }

    @Test func fedAvgDropsStragglersAndFedProxGivesThemPartialWork() throws {
        let participants = Array(0..<10)
        let p = try parameters([0, 0])
        let fedavg = FedAvg(localEpochs: 20, batchSize: 10, learningRate: 0.01, stragglerFraction: 0.9)
        let dropped = fedavg.configureFit(round: 1, parameters: p, participants: participants, seed: 7)
        #expect(dropped.count == 1, "round(10·0.1) = 1 participant does full work; FedAvg drops the rest")
        #expect(dropped.values.allSatisfy { $0.config.localEpochs == 20 })

        let fedprox = FedProx.fedProx(
            mu: 1, localEpochs: 20, batchSize: 10, learningRate: 0.01, stragglerFraction: 0.9)
        let kept = fedprox.configureFit(round: 1, parameters: p, participants: participants, seed: 7)
        #expect(kept.count == 10)
        let epochs = kept.values.map(\.config.localEpochs)
        #expect(epochs.filter { $0 == 20 }.count == 1)
        #expect(epochs.filter { (1..<20).contains($0) }.count == 9)
        #expect(kept.values.allSatisfy { $0.config.proximalMu == 1 })
        #expect(kept.keys.sorted() == participants)
        // The full worker is the one FedAvg keeps: both see the same systems heterogeneity.
        #expect(kept.first { $0.value.config.localEpochs == 20 }?.key == dropped.keys.first)
        let other = fedprox.configureFit(round: 2, parameters: p, participants: participants, seed: 8)
        #expect(other.map(\.value.config.localEpochs).sorted() != epochs.sorted() || other.count == 10)
    }

    @Test func fedProxWithZeroMuStillKeepsPartialWork() throws {
        let local = LocalTraining(epochs: 20, batchSize: 10, learningRate: 0.01)
        let p = try parameters([0, 0])
        for (text, working) in [("fedprox:0", 10), ("fedavg", 1), ("fedadam", 1)] {
            let strategy = try StrategySpecification(parsing: text).make(
                local: local, stragglerFraction: 0.9)
            let instructions = strategy.configureFit(round: 1, parameters: p, participants: Array(0..<10), seed: 3)
            #expect(instructions.count == working, "\(text)")
        }
    }

    @Test func scaffoldUpdatesControlVariatesByOptionTwo() throws {
        var s = SCAFFOLD(
            local: LocalTraining(epochs: 1, batchSize: 10, learningRate: 0.5), store: InMemoryControlVariates())
        let x = try parameters([1, 1])
        let first = s.configureFit(round: 1, parameters: x, participants: [0, 1], seed: 1)
        #expect(first.values.allSatisfy { $0.correction == nil }, "c = c_i = 0 before the first round")
        // y_0 = [0, 1] after K = 4 steps at η_l = 0.5: c_0⁺ = (x − y)/(K·η_l) = [0.5, 0]; y_1 = [1, 3]: [0, −1].
        let aggregate = try s.aggregateFit(
            round: 1, current: x, results: [result(0, [0, 1]), result(1, [1, 3], examples: 30)], failures: [])
        #expect(aggregate.parameters.values == [0.75, 2.5], "x moves to the example-weighted mean")
        #expect(s.variates.variate(of: 0) == ControlVariate(values: [0.5, 0], weight: 10))
        #expect(s.variates.variate(of: 1) == ControlVariate(values: [0, -1], weight: 30))
        #expect(s.control == [0.125, -0.75], "c is the example-weighted mean of the stored variates")
        let second = s.configureFit(round: 2, parameters: aggregate.parameters, participants: [0, 2], seed: 2)
        #expect(second[0]?.correction == [0.125 - 0.5, -0.75])
        #expect(second[2]?.correction == [0.125, -0.75], "a participant not seen yet has c_i = 0")

        // Participant 0 again: its old variate leaves the weighted sum, its new one enters.
        _ = try s.aggregateFit(
            round: 2, current: aggregate.parameters, results: [result(0, [0.75, 2.5])], failures: [])
        #expect(s.variates.variate(of: 0) == ControlVariate(values: [0.5 - 0.125, 0.75], weight: 10))
        let expected: [Float] = [3.75 / 40, (7.5 - 30) / 40]
        #expect(s.control == expected)
    }

    @Test func scaffoldOptionOneTakesTheReportedGradientAsTheVariate() throws {
        var s = SCAFFOLD(
            local: LocalTraining(epochs: 1, batchSize: 10, learningRate: 0.5), option: .fullGradient,
            store: InMemoryControlVariates())
        let x = try parameters([1, 1])
        #expect(s.configureFit(round: 1, parameters: x, participants: [0], seed: 1)[0]?.config.reportsGradient == true)
        var r = try result(0, [0, 1])
        r.update.gradient = [0.25, -2]
        _ = try s.aggregateFit(round: 1, current: x, results: [r], failures: [])
        #expect(s.variates.variate(of: 0)?.values == [0.25, -2])
        #expect(s.control == [0.25, -2])
        #expect(
            try StrategySpecification(parsing: "scaffold-full").make(local: s.local).name
                == "scaffold(η_g=1.0,option I)")
    }

    @Test func fedOptRefusesResultsItCannotCombine() throws {
        var krum = try StrategySpecification(parsing: "krum:1").make(
            local: LocalTraining(epochs: 1, batchSize: 1, learningRate: 1))
        #expect(throws: FederationError.self) {
            try krum.aggregateFit(
                round: 1, current: try parameters([0, 0]), results: [try result(0, [1, 1]), try result(1, [2, 2])],
                failures: [])
        }
    }

    @Test(arguments: [
        ("fedavg", "mean + average"), ("fedprox:0.5", "fedprox(μ=0.5): mean + average"), ("median", "median + average"),
        ("trimmed-mean:0.2+fedavgm", "trimmed-mean(β=0.2) + fedavgm(η=1.0,β=0.9)"),
        ("multi-krum:2,5", "multi-krum(f=2,m=5) + average"), ("bulyan:1", "bulyan(f=1) + average"),
        ("scaffold", "scaffold(η_g=1.0)"),
    ])
    func specificationsNameTheirPieces(text: String, name: String) throws {
        let strategy = try StrategySpecification(parsing: text).make(
            local: LocalTraining(epochs: 1, batchSize: 1, learningRate: 1))
        #expect(strategy.name == name)
    }

    @Test(arguments: [
        "", "fedsgd", "fedprox", "fedprox:-1", "trimmed-mean:0.5", "krum:x", "multi-krum:2", "median+krum:1",
        "fedadam+fedyogi", "median+scaffold", "mean+", "+",
    ])
    func unreadableSpecificationsAreRefusedWithTheChoices(text: String) {
        #expect(throws: FederationError.self) { try StrategySpecification(parsing: text) }
    }

    @Test func weightedSumStrategiesSayWhichTheyAre() throws {
        let local = LocalTraining(epochs: 1, batchSize: 1, learningRate: 1)
        for (text, weighted) in [("fedavg", true), ("fedadam", true), ("median", false), ("scaffold", false)] {
            let s = try StrategySpecification(parsing: text).make(local: local)
            #expect(s.aggregatesWeightedSum == weighted, "\(text)")
        }
    }
}
