import ConcordTensor
import Testing

@testable import ConcordNN

/// Training and evaluation follow the model's loss: one logit with binary cross-entropy, real-valued targets with
/// mean squared error, and the softmax path as before.
@Suite("Training and evaluation by the model's loss")
struct LossDispatchTests {
    /// Two Gaussian blobs in 3 dimensions, class 1 shifted along (1, −1, 0.5); a seeded draw.
    static func blobs(count: Int, seed: UInt64) -> (Tensor, [Int32]) {
        var g = SeededGenerator(seed: seed)
        var scalars: [Float] = [], labels: [Int32] = []
        for i in 0..<count {
            let label: Int32 = i % 2 == 0 ? 0 : 1
            let shift: [Float] = label == 1 ? [1, -1, 0.5] : [-1, 1, -0.5]
            for d in 0..<3 { scalars.append(shift[d] + Float(g.nextGaussian())) }
            labels.append(label)
        }
        return (Tensor(shape: [count, 3], scalars: scalars), labels)
    }

    @Test func logisticRegressionLearnsWithOneLogitAndReportsAUC() throws {
        let model = try ModelZoo.make("logreg", inputShape: [3], classes: 2, loss: .binaryCrossEntropy, seed: 1)
        #expect(model.outputShape == [1])
        #expect(model.parameterCount == 4)
        let (x, y) = Self.blobs(count: 400, seed: 2)
        let (tx, ty) = Self.blobs(count: 200, seed: 3)
        let before = try model.evaluate(features: tx, labels: ty)
        var g = SeededGenerator(seed: 4)
        for _ in 0..<5 {
            try model.trainEpoch(
                features: x, labels: y, batchSize: 20, optimizer: SGD(learningRate: 0.2), generator: &g)
        }
        let after = try model.evaluate(features: tx, labels: ty)
        #expect(after.loss < before.loss)
        #expect(after.accuracy > 0.85, "\(after)")
        let binary = try #require(after.binary)
        #expect(try #require(binary.auc) > 0.9)
        #expect(try #require(binary.precision) > 0.8)
        #expect(try #require(binary.recall) > 0.8)
        #expect(binary.count == 200)
        // Accuracy is the 0.5-probability (logit 0) threshold, the same one precision and recall use.
        let correct =
            binary.truePositives + (200 - binary.truePositives - binary.falsePositives - binary.falseNegatives)
        #expect(abs(after.accuracy - Double(correct) / 200) < 1e-12)
    }

    @Test func regressionLearnsALinearMapWithMeanSquaredError() throws {
        // y = 2·x0 − x1 + 0.5, noiseless: least squares recovers it.
        var g = SeededGenerator(seed: 7)
        var scalars: [Float] = [], targets: [Float] = []
        for _ in 0..<200 {
            let a = Float(g.nextGaussian()), b = Float(g.nextGaussian())
            scalars += [a, b]
            targets.append(2 * a - b + 0.5)
        }
        let x = Tensor(shape: [200, 2], scalars: scalars)
        let labels = [Int32](repeating: 0, count: 200)
        let model = try ModelDescription(layers: [.init(type: "dense")], loss: .meanSquaredError)
            .build(inputShape: [2], classes: 1, seed: 1)
        #expect(model.loss == .meanSquaredError)
        var shuffle = SeededGenerator(seed: 8)
        for _ in 0..<30 {
            try model.trainEpoch(
                features: x, labels: labels, targets: targets, batchSize: 10, optimizer: SGD(learningRate: 0.05),
                generator: &shuffle)
        }
        let evaluation = try model.evaluate(features: x, labels: labels, targets: targets)
        #expect(evaluation.loss < 1e-4, "\(evaluation)")
        #expect(evaluation.accuracy == 0)
        #expect(evaluation.binary == nil)
        let weights = model.flatParameters()
        #expect(abs(weights[0] - 2) < 0.01 && abs(weights[1] + 1) < 0.01 && abs(weights[2] - 0.5) < 0.01, "\(weights)")
    }

    @Test func missingTargetsAndMisfitOutputsAreErrorsNotTraps() throws {
        let regression = try ModelDescription(layers: [.init(type: "dense")], loss: .meanSquaredError)
            .build(inputShape: [2], classes: 1, seed: 1)
        let x = Tensor.zeros([3, 2])
        var g = SeededGenerator(seed: 1)
        #expect(throws: ModelError.self) {
            try regression.trainEpoch(
                features: x, labels: [0, 0, 0], batchSize: 2, optimizer: SGD(learningRate: 0.1), generator: &g)
        }
        #expect(throws: ModelError.self) {
            try regression.evaluate(features: x, labels: [0, 0, 0], targets: [1, 2])
        }
        #expect(throws: ModelError.self) {
            try regression.trainStep(
                inputs: x, labels: [0, 0, 0], targets: [1, .nan, 2], optimizer: SGD(learningRate: 0.1))
        }
        // A binary model's labels are 0 or 1; its output must be one logit.
        let binary = try ModelZoo.make("logreg", inputShape: [2], classes: 2, loss: .binaryCrossEntropy, seed: 1)
        #expect(throws: ModelError.self) {
            try binary.trainStep(inputs: x, labels: [0, 1, 2], optimizer: SGD(learningRate: 0.1))
        }
        let twoOutputs = try ModelZoo.make("logreg", inputShape: [2], classes: 2, seed: 1)
        twoOutputs.loss = .binaryCrossEntropy
        #expect(throws: ModelError.self) { try twoOutputs.evaluate(features: x, labels: [0, 1, 1]) }
        #expect(throws: ModelError.self) {
            try ModelZoo.make("logreg", inputShape: [2], classes: 3, loss: .binaryCrossEntropy, seed: 1)
        }
    }

    @Test func softmaxModelsAreTheZoosModelsBitForBit() throws {
        // The loss-taking zoo builder with softmax cross-entropy gives the same model and the same training.
        let (x, y) = Self.blobs(count: 60, seed: 5)
        func train(_ model: Sequential) throws -> [Float] {
            var g = SeededGenerator(seed: 9)
            try model.trainEpoch(features: x, labels: y, batchSize: 8, optimizer: SGD(learningRate: 0.1), generator: &g)
            return model.flatParameters()
        }
        let plain = try ModelZoo.make("mlp:8", inputShape: [3], classes: 2, seed: 3)
        let viaLoss = try ModelZoo.make("mlp:8", inputShape: [3], classes: 2, loss: .softmaxCrossEntropy, seed: 3)
        #expect(plain.loss == .softmaxCrossEntropy)
        #expect(try train(plain) == train(viaLoss))
    }
}
