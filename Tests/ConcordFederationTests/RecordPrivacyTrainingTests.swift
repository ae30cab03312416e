import ConcordData
import ConcordFederation
import ConcordNN
import ConcordTensor
import Testing

/// Seeded DP-SGD randomness, for tests only (production uses ConcordPrivacy's secure source).
struct SeededRecordPrivacy: RecordPrivacyRandomness {
    struct Noise: GradientNoise {
        var generator: SeededGenerator
        mutating func add(standardDeviation: Double, to values: UnsafeMutableBufferPointer<Float>) {
            for i in values.indices { values[i] += Float(standardDeviation * generator.nextGaussian()) }
        }
    }

    var seed: UInt64 = 1
    func makeSampler() -> any RandomNumberGenerator { SeededGenerator(seed: seed) }
    func makeNoise() -> any GradientNoise { Noise(generator: SeededGenerator(seed: seed &+ 1)) }
}

@Suite("Record-level DP-SGD in local training")
struct RecordPrivacyTrainingTests {
    func data() -> Dataset {
        var g = SeededGenerator(seed: 3)
        let x = Tensor(shape: [40, 4], scalars: (0..<160).map { _ in Float(g.nextGaussian()) })
        return Dataset(features: x, labels: (0..<40).map { Int32($0 % 3) }, classCount: 3)
    }

    func instruction(_ privacy: DPSGDConfiguration?, epochs: Int = 2) throws -> FitInstruction {
        var config = FitConfig(localEpochs: epochs, batchSize: 5, learningRate: 0.1, seed: 1)
        config.recordPrivacy = privacy
        let model = try ModelZoo.make("logreg", inputShape: [4], classes: 3, seed: 2)
        return FitInstruction(round: 1, parameters: Parameters(model: model), config: config)
    }

    func trainer(randomness: (any RecordPrivacyRandomness)?) throws -> ModelTrainer {
        let trainer = ModelTrainer(
            model: try ModelZoo.make("logreg", inputShape: [4], classes: 3, seed: 2), trainingData: data())
        trainer.recordPrivacyRandomness = randomness
        return trainer
    }

    @Test func aRoundIsEpochsTimesOneOverQNoisedSteps() throws {
        let privacy = DPSGDConfiguration(clipNorm: 1, noiseMultiplier: 1, samplingRate: 0.1)
        let update = try trainer(randomness: SeededRecordPrivacy()).fit(try instruction(privacy, epochs: 2))
        #expect(update.steps == 20)
        #expect(update.exampleCount == 40)
        #expect(update.metrics["loss"].map { $0.isFinite && $0 > 0 } == true)
        #expect(update.metrics["clipped_fraction"].map { (0...1).contains($0) } == true)
        let plain = try trainer(randomness: nil).fit(try instruction(nil, epochs: 2))
        #expect(plain.steps == 16)
        #expect(plain.parameters != update.parameters)
    }

    @Test func withoutASecureSourceOrWithBadSettingsTheRoundIsRefused() throws {
        let privacy = DPSGDConfiguration(clipNorm: 1, noiseMultiplier: 1, samplingRate: 0.1)
        #expect(throws: FederationError.self) { try trainer(randomness: nil).fit(try instruction(privacy)) }
        let bad = DPSGDConfiguration(clipNorm: 1, noiseMultiplier: 1, samplingRate: 0)
        #expect(throws: FederationError.self) {
            try trainer(randomness: SeededRecordPrivacy()).fit(try instruction(bad))
        }
    }

    @Test func everyInstructionOfTheStrategyCarriesTheSettings() throws {
        var local = LocalTraining(epochs: 1, batchSize: 10, learningRate: 0.1)
        let privacy = DPSGDConfiguration(clipNorm: 0.5, noiseMultiplier: 1.1, samplingRate: 0.01)
        local.recordPrivacy = privacy
        let strategy = try StrategySpecification(parsing: "fedavg").make(local: local)
        let parameters = try Fixtures.parameters([1, 2, 3])
        let instructions = strategy.configureFit(round: 1, parameters: parameters, participants: [0, 3], seed: 9)
        #expect(instructions.count == 2)
        #expect(instructions.values.allSatisfy { $0.config.recordPrivacy == privacy })
    }
}
