import ConcordData
import ConcordFederation
import ConcordNN
import ConcordTensor
import Testing

@Suite("Local training: FedProx's proximal term, SCAFFOLD's correction, client-side clipping")
struct LocalTrainingTests {
    func model() throws -> Sequential { try ModelZoo.make("logreg", inputShape: [4], classes: 3, seed: 2) }

    func batch() -> (Tensor, [Int32]) {
        var g = SeededGenerator(seed: 3)
        let x = Tensor(shape: [5, 4], scalars: (0..<20).map { _ in Float(g.nextGaussian()) })
        return (x, [0, 1, 2, 1, 0])
    }

    /// One step of LocalSGD against w − η·(∇F(w) + μ(w − a) + c) computed from the plain gradient.
    @Test func oneStepAddsTheProximalGradientAndTheCorrection() throws {
        let (x, y) = batch()
        let reference = try model()
        let w0 = reference.flatParameters()
        _ = try reference.forward(x, training: true)
        let (_, dLogits) = SoftmaxCrossEntropy.lossAndGradient(
            logits: try reference.forward(x, training: true), labels: y)
        reference.backward(dLogits)
        var gradient: [Float] = []
        reference.forEachParameter { _, _, g in gradient += g.scalars }

        let anchor = w0.map { $0 + 0.3 }
        let correction = w0.indices.map { Float($0 % 5) * 0.01 }
        let eta: Float = 0.1, mu: Float = 2
        let trained = try model()
        let optimizer = try LocalSGD(learningRate: eta, proximalMu: mu, anchor: anchor, correction: correction)
        try trained.trainStep(inputs: x, labels: y, optimizer: optimizer)
        let got = trained.flatParameters()
        for i in w0.indices {
            let want = w0[i] - eta * (gradient[i] + mu * (w0[i] - anchor[i]) + correction[i])
            #expect(abs(got[i] - want) < 1e-5)
        }
    }

    @Test func aCorrectionOfAnotherLengthIsRefused() {
        #expect(throws: FederationError.self) {
            try LocalSGD(learningRate: 0.1, proximalMu: 0, anchor: [1, 2], correction: [1])
        }
    }

    @Test func aLargeProximalWeightKeepsTheParticipantNearTheGlobalModel() throws {
        let (x, y) = batch()
        let data = Dataset(features: x, labels: y, classCount: 3)
        let global = Parameters(model: try model())
        func distance(mu: Float) throws -> Double {
            let trainer = ModelTrainer(model: try model(), trainingData: data)
            let update = try trainer.fit(
                FitInstruction(
                    round: 1, parameters: global,
                    config: FitConfig(localEpochs: 30, batchSize: 5, learningRate: 0.1, seed: 1, proximalMu: mu)))
            #expect(update.steps == 30)
            return zip(update.parameters.values, global.values).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        }
        #expect(try distance(mu: 5) < distance(mu: 0) * 0.2)
    }

    @Test func clientSideClippingBoundsTheUpdateAndReportsTheNorm() throws {
        let (x, y) = batch()
        let data = Dataset(features: x, labels: y, classCount: 3)
        let global = Parameters(model: try model())
        let trainer = ModelTrainer(model: try model(), trainingData: data)
        let update = try trainer.fit(
            FitInstruction(
                round: 1, parameters: global,
                config: FitConfig(localEpochs: 5, batchSize: 5, learningRate: 0.5, seed: 1, clipNorm: 0.01)))
        let norm = zip(update.parameters.values, global.values)
            .reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot()
        #expect(abs(norm - 0.01) < 1e-4)
        #expect(try #require(update.metrics["update_norm"]) > 0.01)
        #expect(update.metrics["unclipped"] == 0)
    }

    @Test func theReportedGradientIsTheFullDataGradientAtTheGlobalParameters() throws {
        var g = SeededGenerator(seed: 9)
        let n = 250
        let x = Tensor(shape: [n, 4], scalars: (0..<(n * 4)).map { _ in Float(g.nextGaussian()) })
        let y = (0..<n).map { Int32($0 % 3) }
        let reference = try model()
        let global = Parameters(model: reference)
        let (_, dLogits) = SoftmaxCrossEntropy.lossAndGradient(
            logits: try reference.forward(x, training: true), labels: y)
        reference.backward(dLogits)
        var expected: [Float] = []
        reference.forEachParameter { _, _, gradient in expected += gradient.scalars }

        let trainer = ModelTrainer(model: try model(), trainingData: Dataset(features: x, labels: y, classCount: 3))
        var config = FitConfig(localEpochs: 1, batchSize: 10, learningRate: 0.1, seed: 1)
        config.reportsGradient = true
        let update = try trainer.fit(FitInstruction(round: 1, parameters: global, config: config))
        let gradient = try #require(update.gradient)
        #expect(gradient.count == expected.count)
        for (a, b) in zip(gradient, expected) { #expect(abs(a - b) < 1e-5) }
        #expect(update.parameters != global, "it still trains")
    }
}
