import ConcordNN
import ConcordTensor
import Foundation
import Testing

/// Whether `python3` on PATH can import numpy, which Benchmarks/dpsgd_reference.py needs (checked once).
private let pythonNumpyAvailable = (try? PythonSafetensors.run("import numpy").status) == 0

/// Concord's clipped sum of per-example gradients (DP-SGD with the noise off) against
/// Benchmarks/dpsgd_reference.py: Opacus-style per-sample gradients with torch.func when torch imports, the same
/// mlp's per-example backward pass in numpy otherwise, both in float64.
@Suite(
    "DP-SGD clipping against the Python reference (Benchmarks/dpsgd_reference.py)",
    .enabled(
        if: pythonNumpyAvailable,
        "python3 with numpy not found on PATH: scripts/bootstrap.sh --python installs numpy")
)
struct DPSGDReferenceTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Benchmarks/dpsgd_reference.py").path

    /// Runs the script with `arguments`.
    static func reference(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let launcher = "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
        return try PythonSafetensors.run(launcher, [script] + arguments)
    }

    /// Writes the model's weights and a batch, returns the two files' paths.
    static func write(
        _ model: Sequential, inputs: Tensor, labels: [Int32], in directory: URL
    ) throws -> (
        String, String
    ) {
        let weights = directory.appendingPathComponent("weights.safetensors")
        let batch = directory.appendingPathComponent("batch.safetensors")
        try Safetensors.write(model.stateDictionary(), to: weights)
        let labelTensor = Tensor(shape: [labels.count], scalars: labels.map(Float.init))
        try Safetensors.write(["inputs": inputs, "labels": labelTensor], to: batch)
        return (weights.path, batch.path)
    }

    @Test(arguments: [(8, UInt64(31)), (64, UInt64(32))])
    func theClippedSumOfTheMLPMatchesTheReferenceToOnePartIn1e5(batchSize: Int, seed: UInt64) throws {
        let model = try ModelZoo.make("mlp", seed: seed)
        let (inputs, labels) = DPSGDTests.batch(model, count: batchSize, seed: seed + 100)
        // A clip norm between the norms, so some examples are scaled and some are not.
        let norms = try model.clippedGradientSum(inputs: inputs, labels: labels, clipNorm: 1e9).norms.sorted()
        let clipNorm = (norms[batchSize / 2 - 1] + norms[batchSize / 2]) / 2
        let result = try model.clippedGradientSum(inputs: inputs, labels: labels, clipNorm: clipNorm)
        #expect(result.clipped > 0 && result.clipped < batchSize)

        let directory = try SafetensorsFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (weights, batch) = try Self.write(model, inputs: inputs, labels: labels, in: directory)
        let out = directory.appendingPathComponent("sum.safetensors")
        let run = try Self.reference([
            "--weights", weights, "--batch", batch, "--layers", "fc1,fc2,fc3", "--clip", "\(clipNorm)",
            "--out", out.path,
        ])
        try #require(run.status == 0, "dpsgd_reference.py failed: \(run.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let backend = summary?["backend"] as? String
        #expect(backend == "torch" || backend == "numpy", "\(run.stdout)")
        #expect(summary?["clipped"] as? Int == result.clipped)
        let expected = try Safetensors.read(from: out).tensors

        var concord: [Double] = [], reference: [Double] = []
        try model.forEachParameterThrowing { name, gradient in
            let wanted = try #require(expected[name], "the reference wrote no \(name)")
            #expect(wanted.shape == gradient.shape, "\(name)")
            let error = GradientCheck.relativeError(gradient.scalars.map(Double.init), wanted.scalars.map(Double.init))
            #expect(error <= 1e-5, "\(name): relative error \(error) (\(backend ?? "?"))")
            concord += gradient.scalars.map(Double.init)
            reference += wanted.scalars.map(Double.init)
        }
        let error = GradientCheck.relativeError(concord, reference)
        #expect(error <= 1e-5, "clipped sum: relative error \(error) (\(backend ?? "?"))")
        let referenceNorms = try #require(expected["norms"]).scalars
        for (fast, slow) in zip(result.norms, referenceNorms) {
            #expect(abs(fast - Double(slow)) <= 1e-5 * Double(slow), "norm \(fast) vs reference \(slow)")
        }
        let loss = try #require(expected["loss"]).scalars[0]
        #expect(abs(result.loss - loss) <= 1e-5 * loss)
    }

    /// The reference refuses a batch file without labels, naming the file and the tensor, and a clip norm that is
    /// not positive.
    @Test func theReferenceRefusesIncompleteInputWithAMessage() throws {
        let model = try ModelZoo.make("mlp", seed: 1)
        let (inputs, labels) = DPSGDTests.batch(model, count: 2, seed: 2)
        let directory = try SafetensorsFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (weights, _) = try Self.write(model, inputs: inputs, labels: labels, in: directory)
        let unlabelled = directory.appendingPathComponent("unlabelled.safetensors")
        try Safetensors.write(["inputs": inputs], to: unlabelled)
        let out = directory.appendingPathComponent("sum.safetensors").path
        let missing = try Self.reference([
            "--weights", weights, "--batch", unlabelled.path, "--layers", "fc1,fc2,fc3", "--clip", "1", "--out", out,
        ])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("unlabelled.safetensors: no tensor labels"), "\(missing.stderr)")
        let wrongLayer = try Self.reference([
            "--weights", weights, "--batch", unlabelled.path, "--layers", "fc1,fc9", "--clip", "1", "--out", out,
        ])
        #expect(wrongLayer.stderr.contains("no tensor fc9.weight"), "\(wrongLayer.stderr)")
        let badClip = try Self.reference([
            "--weights", weights, "--batch", unlabelled.path, "--layers", "fc1", "--clip", "0", "--out", out,
        ])
        #expect(badClip.stderr.contains("--clip must be positive"), "\(badClip.stderr)")
    }
}

extension Sequential {
    /// Visits every parameter's gradient by its layout name.
    fileprivate func forEachParameterThrowing(_ body: (String, Tensor) throws -> Void) throws {
        var gradients: [(String, Tensor)] = []
        forEachParameter { position, _, gradient in gradients.append((layout.entries[position].name, gradient)) }
        for (name, gradient) in gradients { try body(name, gradient) }
    }
}
