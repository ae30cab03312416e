import ConcordTensor
import Foundation
import Testing

@testable import ConcordNN

/// Concord against PyTorch 2.13 on a small CNN of the FedAvg paper's shape (conv 5×5 → ReLU → 2×2 max-pool,
/// twice, then dense → ReLU → dense): the same weights and inputs must give the same logits, loss and,
/// after one SGD step, the same weights. Fixture and the script that made it: `Fixtures/`.
@Suite("A CNN step matches PyTorch")
struct TorchReferenceTests {
    static func fixture() throws -> SafetensorsFile {
        let url = try #require(Bundle.module.url(forResource: "torch_cnn_step", withExtension: "safetensors"))
        return try Safetensors.read(from: url)
    }

    static func model() throws -> Sequential {
        var g = SeededGenerator(seed: 0)
        return try Sequential(
            inputShape: [28, 28, 1],
            layers: [
                Conv2D(
                    name: "conv1", inChannels: 1, outChannels: 4, kernelSize: 5, padding: .same,
                    activation: .relu, generator: &g),
                MaxPool2D(name: "pool1"),
                Conv2D(
                    name: "conv2", inChannels: 4, outChannels: 8, kernelSize: 5, padding: .same,
                    activation: .relu, generator: &g),
                MaxPool2D(name: "pool2"), Flatten(),
                Dense(name: "fc1", inputSize: 392, outputSize: 16, activation: .relu, generator: &g),
                Dense(name: "fc2", inputSize: 16, outputSize: 10, generator: &g),
            ])
    }

    static func expectClose(_ actual: [Float], _ expected: [Float], _ what: String, tolerance: Float = 1e-5) {
        #expect(actual.count == expected.count, "\(what): \(actual.count) vs \(expected.count) values")
        let worst = zip(actual, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst <= tolerance, "\(what): largest relative difference \(worst)")
    }

    @Test func forwardLossAndOneSGDStepMatchPyTorch() throws {
        let file = try Self.fixture()
        let model = try Self.model()
        var initial: [String: Tensor] = [:]
        for entry in model.layout.entries { initial[entry.name] = file[entry.name] }
        try model.loadStateDictionary(initial)
        let x = try #require(file["input"])
        let labels = try #require(file["labels"]).scalars.map { Int32($0) }

        let logits = try model.forward(x)
        Self.expectClose(logits.scalars, try #require(file["logits"]).scalars, "logits")
        let loss = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels).loss
        Self.expectClose([loss], try #require(file["loss"]).scalars, "loss")

        try model.trainStep(inputs: x, labels: labels, optimizer: SGD(learningRate: 0.1))
        let state = model.stateDictionary()
        for entry in model.layout.entries {
            let expected = try #require(file["after.\(entry.name)"])
            Self.expectClose(try #require(state[entry.name]).scalars, expected.scalars, "\(entry.name) after one step")
        }
    }
}
