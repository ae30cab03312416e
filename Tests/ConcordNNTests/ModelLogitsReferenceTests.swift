import ConcordNN
import ConcordTensor
import Foundation
import Testing

/// A described model's logits against Benchmarks/model_logits_reference.py, which builds the same layers outside
/// Concord (numpy in float64; PyTorch by hand when torch imports) from the same safetensors weights.
@Suite(
    "Described models' logits against the Python reference (Benchmarks/model_logits_reference.py)",
    .enabled(
        if: pythonSafetensorsAvailable(), "python3 with safetensors and numpy not found: pip install safetensors numpy")
)
struct ModelLogitsReferenceTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Benchmarks/model_logits_reference.py").path

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let description: ModelDescription
        let inputShape: [Int]
        let classes: Int
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "mlp with dropout",
            description: ModelDescription(layers: [
                .init(type: "dense", units: 32), .init(type: "relu"), .init(type: "dropout", rate: 0.5),
                .init(type: "dense"),
            ]), inputShape: [20], classes: 3),
        Case(
            name: "binary logistic head",
            description: ModelDescription(
                layers: [.init(type: "dense", units: 8), .init(type: "relu"), .init(type: "dense")],
                loss: .binaryCrossEntropy), inputShape: [11], classes: 2),
        Case(
            name: "cnn: same padding at stride 2, max pooling, valid padding, flatten",
            description: ModelDescription(layers: [
                .init(type: "conv2d", filters: 4, size: 3, stride: 2, padding: "same"), .init(type: "relu"),
                .init(type: "maxpool2d", size: 2), .init(type: "conv2d", filters: 3, size: 2),
                .init(type: "flatten"), .init(type: "dense", units: 8), .init(type: "relu"), .init(type: "dense"),
            ]), inputShape: [13, 12, 2], classes: 5),
    ]

    @Test(arguments: cases)
    func logitsMatchTheReference(_ example: Case) throws {
        let directory = try SafetensorsFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The weights of one initialisation, saved, then loaded by name into a model built with another seed: the
        // logits come from the file's weights, as a party's agreed initial weights would.
        let weights = try ModelDescription.build(example.description, example, seed: 3).stateDictionary()
        let model = try ModelDescription.build(example.description, example, seed: 4)
        try model.loadStateDictionary(weights)
        var generator = SeededGenerator(seed: 5)
        let batch = 6
        let inputs = Tensor(
            shape: [batch] + example.inputShape,
            scalars: (0..<(batch * example.inputShape.reduce(1, *))).map { _ in
                Float.random(in: -2...2, using: &generator)
            })
        let logits = try model.forward(inputs)

        let paths = ["description.json", "weights.safetensors", "inputs.safetensors", "logits.safetensors"].map {
            directory.appendingPathComponent($0)
        }
        try JSONEncoder().encode(example.description).write(to: paths[0])
        try Safetensors.write(weights, to: paths[1])
        try Safetensors.write(["inputs": inputs], to: paths[2])
        let launcher = "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
        let result = try PythonSafetensors.run(
            launcher,
            [
                Self.script, "--description", paths[0].path, "--weights", paths[1].path, "--inputs", paths[2].path,
                "--out", paths[3].path,
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let reference = try #require(try Safetensors.read(from: paths[3]).tensors["logits"])
        #expect(reference.shape == logits.shape)
        let gap = zip(reference.scalars, logits.scalars).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? .infinity
        #expect(gap <= 1e-5, "\(example.name): Concord and the reference (\(result.stdout)) differ by \(gap)")
    }
}

extension ModelDescription {
    fileprivate static func build(
        _ description: ModelDescription, _ example: ModelLogitsReferenceTests.Case, seed: UInt64
    ) throws -> Sequential {
        try description.build(inputShape: example.inputShape, classes: example.classes, seed: seed)
    }
}
