import ConcordTensor
import Foundation
import Testing

@testable import ConcordNN

@Suite("Models described in the configuration")
struct ModelDescriptionTests {
    @Test("an MLP from JSON gets PyTorch nn.Sequential names, sizes from the schema, and the last dense per class")
    func mlp() throws {
        let json =
            #"{"layers": [{"type": "dense", "units": 16}, {"type": "relu"}, {"type": "dropout", "rate": 0.1},"#
            + #" {"type": "dense"}]}"#
        let description = try JSONDecoder().decode(ModelDescription.self, from: Data(json.utf8))
        let model = try description.build(inputShape: [30], classes: 2, seed: 1)
        #expect(model.layout.entries.map(\.name) == ["0.weight", "0.bias", "3.weight", "3.bias"])
        #expect(model.layout.entries.map(\.shape) == [[16, 30], [16], [2, 16], [2]])
        #expect(model.outputShape == [2])
    }

    @Test("binary cross-entropy from JSON gives the last dense one output, and is refused for three classes")
    func binaryLoss() throws {
        let json =
            #"{"layers": [{"type": "dense", "units": 4}, {"type": "relu"}, {"type": "dense"}], "#
            + #""loss": "binary_cross_entropy"}"#
        let description = try JSONDecoder().decode(ModelDescription.self, from: Data(json.utf8))
        #expect(description.loss == .binaryCrossEntropy)
        let model = try description.build(inputShape: [5], classes: 2, seed: 1)
        #expect(model.outputShape == [1])
        #expect {
            try description.build(inputShape: [5], classes: 3, seed: 1)
        } throws: { error in
            "\(error)".contains("binary_cross_entropy needs data with 2 classes, the data has 3")
        }
        let regression = ModelDescription(layers: [.init(type: "dense")], loss: .meanSquaredError)
        #expect(try regression.build(inputShape: [5], classes: 1, seed: 1).outputShape == [1])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ModelDescription.self, from: Data(#"{"layers": [], "loss": "hinge"}"#.utf8))
        }
    }

    @Test("a small CNN builds with conv2d, maxpool2d and flatten")
    func cnn() throws {
        let description = ModelDescription(layers: [
            .init(type: "conv2d", filters: 4, size: 3, padding: "same"), .init(type: "relu"),
            .init(type: "maxpool2d"), .init(type: "flatten"), .init(type: "dense"),
        ])
        let model = try description.build(inputShape: [8, 8, 1], classes: 10, seed: 1)
        #expect(model.layout.entries.map(\.shape) == [[4, 3, 3, 1], [4], [10, 64], [10]])
    }

    @Test("initial weights by name load into the described model, and a tensor of the wrong shape is refused")
    func initialWeights() throws {
        let description = ModelDescription(layers: [.init(type: "dense")])
        let model = try description.build(inputShape: [3], classes: 2, seed: 1)
        let weight = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), bias = Tensor(shape: [2], scalars: [0, 1])
        try model.loadStateDictionary(["0.weight": weight, "0.bias": bias])
        #expect(model.flatParameters() == [1, 2, 3, 4, 5, 6, 0, 1])
        #expect(throws: ModelError.self) {
            try model.loadStateDictionary([
                "0.weight": Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6]), "0.bias": bias,
            ])
        }
    }

    @Test(
        "bad descriptions are errors naming the layer",
        arguments: [
            (ModelDescription(layers: [.init(type: "lstm")]), "layer 0: unknown layer type 'lstm'"),
            (
                ModelDescription(layers: [.init(type: "dense", units: 0), .init(type: "dense")]),
                "layer 0: 'units' must be positive"
            ),
            (
                ModelDescription(layers: [.init(type: "dense", units: 5)]),
                "the model outputs [5], the data has 2 classes"
            ),
            (
                ModelDescription(layers: [.init(type: "dropout", rate: 1.5), .init(type: "dense")]),
                "layer 0: dropout needs a 'rate'"
            ),
            (
                ModelDescription(layers: [.init(type: "maxpool2d", size: 0), .init(type: "dense")]),
                "layer 0: 'size' must be positive, got 0"
            ),
        ])
    func badDescriptions(description: ModelDescription, message: String) {
        #expect {
            try description.build(inputShape: [3], classes: 2, seed: 1)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
