import ConcordData
import ConcordTensor
import Foundation
import Testing

@testable import ConcordNN

@Suite("Models: zoo, training, parameters, weights on disk")
struct ModelTests {
    @Test(arguments: [("logreg", 7_850), ("mlp", 199_210), ("cnn", 1_663_370)])
    func zooParameterCountsMatchThePaper(name: String, count: Int) throws {
        let model = try ModelZoo.make(name, seed: 1)
        #expect(model.parameterCount == count)
        #expect(model.outputShape == [10])
    }

    @Test func zooNamesParametersStably() throws {
        let cnn = try ModelZoo.make("cnn", seed: 1)
        #expect(
            cnn.layout.entries.map(\.name) == [
                "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight",
                "fc2.bias",
            ])
        #expect(cnn.layout.entries[0].shape == [32, 5, 5, 1])
        #expect(cnn.layout.entries[4].shape == [512, 3136])
    }

    @Test func unknownModelIsAnError() {
        #expect(throws: ModelError.unknownModel("resnet", known: ModelZoo.names)) {
            try ModelZoo.make("resnet", seed: 1)
        }
    }

    @Test func wrongInputAndLabelsAreErrorsNotCrashes() throws {
        let model = try ModelZoo.make("mlp", seed: 1)
        #expect(throws: ModelError.self) { try model.forward(Tensor.zeros([2, 27, 28, 1])) }
        #expect(throws: ModelError.self) {
            try model.trainStep(
                inputs: Tensor.zeros([2, 28, 28, 1]), labels: [0, 10], optimizer: SGD(learningRate: 0.1))
        }
        #expect(throws: ModelError.self) {
            try model.trainStep(inputs: Tensor.zeros([2, 28, 28, 1]), labels: [0], optimizer: SGD(learningRate: 0.1))
        }
        #expect(throws: ModelError.self) { try model.setFlatParameters([1, 2, 3]) }
    }

    @Test func sameSeedTrainsToIdenticalParameters() throws {
        let split = try MNIST.loadBundled()
        let subset = split.train.subset(0..<100)
        func train() throws -> [Float] {
            let model = try ModelZoo.make("cnn", seed: 5)
            var g = SeededGenerator(seed: 6)
            try model.trainEpoch(
                features: subset.features, labels: subset.labels, batchSize: 50,
                optimizer: SGD(learningRate: 0.05, momentum: 0.5), generator: &g)
            return model.flatParameters()
        }
        #expect(try train() == train())
    }

    @Test func mlpLearnsMNIST() throws {
        let split = try MNIST.loadBundled()
        let train = split.train.subset(0..<3000), test = split.test.subset(0..<1000)
        let model = try ModelZoo.make("mlp", seed: 1)
        let before = try model.evaluate(features: test.features, labels: test.labels)
        var g = SeededGenerator(seed: 2)
        try model.trainEpoch(
            features: train.features, labels: train.labels, batchSize: 10,
            optimizer: SGD(learningRate: 0.1), generator: &g)
        let after = try model.evaluate(features: test.features, labels: test.labels)
        #expect(before.accuracy < 0.2)
        #expect(after.accuracy > 0.8, "accuracy after one epoch on 3,000 examples: \(after.accuracy)")
        #expect(after.loss < before.loss)
    }

    @Test func weightsRoundTripThroughSafetensors() throws {
        let model = try ModelZoo.make("cnn", seed: 3)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "concord-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.write(model.stateDictionary(), to: url)
        let restored = try ModelZoo.make("cnn", seed: 4)
        #expect(restored.flatParameters() != model.flatParameters())
        try restored.loadStateDictionary(Safetensors.read(from: url).tensors)
        #expect(restored.flatParameters() == model.flatParameters())
        let x = Tensor(repeating: 0.5, shape: [2, 28, 28, 1])
        #expect(try restored.forward(x) == model.forward(x))
    }

    @Test func loadingMismatchedWeightsChangesNothing() throws {
        let model = try ModelZoo.make("mlp", seed: 3)
        let before = model.flatParameters()
        var state = model.stateDictionary()
        state["fc3.weight"] = Tensor.zeros([10, 199])
        #expect(throws: ModelError.self) { try model.loadStateDictionary(state) }
        state = try ModelZoo.make("logreg", seed: 1).stateDictionary()
        #expect(throws: ModelError.self) { try model.loadStateDictionary(state) }
        #expect(model.flatParameters() == before)
    }
}
