import ConcordData
import ConcordFederation
import ConcordNN
import ConcordTensor
import ConcordTesting
import Testing

@Suite("Attacks: poisoned updates are what they claim to be")
struct AttackTests {
    let layout = ParameterLayout([.init(name: "w", shape: [3])])

    func instruction(_ values: [Float]) throws -> FitInstruction {
        FitInstruction(
            round: 1, parameters: try Parameters(layout: layout, values: values),
            config: FitConfig(localEpochs: 1, batchSize: 1, learningRate: 1, seed: 4))
    }

    @Test func signFlipAndScalingRewriteTheHonestUpdate() async throws {
        let honest = ScriptedParticipant(id: 3, behaviour: .answer(values: [2, 0, 1], examples: 5))
        let global = try instruction([1, 1, 1])  // honest Δ = [1, −1, 0]
        let flipped = try await AttackingClient(honest: honest, attack: .signFlip(4)).fit(global)
        #expect(flipped.parameters.values == [-3, 5, 1])
        #expect(flipped.exampleCount == 5)
        let scaled = try await AttackingClient(honest: honest, attack: .scaling(10)).fit(global)
        #expect(scaled.parameters.values == [11, -9, 1])
    }

    @Test func gaussianSendsSeededNoiseAroundTheGlobalModel() async throws {
        let honest = ScriptedParticipant(id: 0, behaviour: .answer(values: [9, 9, 9], examples: 5))
        let attacker = AttackingClient(honest: honest, attack: .gaussian(1))
        let a = try await attacker.fit(try instruction([0, 0, 0]))
        let b = try await attacker.fit(try instruction([0, 0, 0]))
        #expect(a == b, "the noise follows the instruction's seed")
        #expect(a.parameters.values.allSatisfy { abs($0) < 6 }, "noise, not the honest 9s")
    }

    @Test func attackersAreAFixedSeededSubset() {
        let a = Attackers.choose(fraction: 0.2, count: 100, seed: 1)
        #expect(a.count == 20)
        #expect(a == Attackers.choose(fraction: 0.2, count: 100, seed: 1))
        #expect(a != Attackers.choose(fraction: 0.2, count: 100, seed: 2))
        #expect(Attackers.choose(fraction: 0, count: 10, seed: 1).isEmpty)
    }

    @Test func labelFlippingFlipsOnlyTheAttackersLabels() {
        let data = Dataset(features: Tensor(shape: [3, 1], scalars: [0, 1, 2]), labels: [0, 3, 9], classCount: 10)
        let flipped = LabelFlippedData(honest: ParticipantDatasets([data, data]), attackers: [1])
        #expect(flipped.trainingData(of: 0).labels == [0, 3, 9])
        #expect(flipped.trainingData(of: 1).labels == [9, 6, 0])
    }

    @Test(arguments: ["sign-flip:4", "gaussian:1", "scaling:10", "label-flip", "sign-flip:0.5"])
    func attacksParseAndPrintBack(text: String) throws {
        let attack = try Attack(parsing: text)
        #expect(try Attack(parsing: attack.description) == attack)
    }

    @Test(arguments: ["sign-flip", "sign-flip:-1", "gaussian:0", "gaussian:nan", "label-flip:2", "noise:1", ""])
    func badAttacksAreRefused(text: String) {
        #expect(throws: FederationError.self) { try Attack(parsing: text) }
    }

    @Test func theCoordinateMedianShrugsOffSignFlippers() async throws {
        var participants: [any ClientProxy] = (0..<8).map {
            ScriptedParticipant(id: $0, behaviour: .answer(values: [1, 1, 1], examples: 10))
        }
        participants += (8..<10).map {
            AttackingClient(
                honest: ScriptedParticipant(id: $0, behaviour: .answer(values: [1, 1, 1], examples: 10)),
                attack: .signFlip(4))
        }
        func run(_ text: String) async throws -> [Float] {
            let strategy = try StrategySpecification(parsing: text).make(
                local: LocalTraining(epochs: 1, batchSize: 1, learningRate: 1))
            let c = try Coordinator(
                strategy: strategy, participants: participants,
                initialParameters: try Parameters(layout: layout, values: [0, 0, 0]),
                configuration: CoordinatorConfiguration(sampler: FractionSampler(fraction: 1), evalEvery: 0, seed: 1))
            await c.runRound()
            return await c.parameters.values
        }
        #expect(try await run("median") == [1, 1, 1])
        #expect(try await run("fedavg").allSatisfy { abs($0 - 0) < 1e-6 }, "0.8·1 + 0.2·(−4) = 0")
    }
}
