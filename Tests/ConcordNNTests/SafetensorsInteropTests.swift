import ConcordNN
import ConcordTensor
import Foundation
import Testing

/// Whether `python3` on PATH can import `safetensors` and `numpy` (checked once).
func pythonSafetensorsAvailable() -> Bool { PythonSafetensors.available }

/// Runs Python snippets against the reference safetensors implementation.
enum PythonSafetensors {
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent("python3").path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let available: Bool = (try? run("import safetensors, numpy").status) == 0

    /// Runs `python3 -c script arguments...`, returning its exit status and output.
    static func run(
        _ script: String, _ arguments: [String] = []
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        guard let executable else { return (127, "", "python3 not found on PATH") }
        let directory = try SafetensorsFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
            FileManager.default.createFile(atPath: errURL.path, contents: nil)
        else { return (126, "", "cannot create output files in \(directory.path)") }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-c", script] + arguments
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        process.waitUntilExit()
        return (
            process.terminationStatus,
            String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        )
    }
}

@Suite(
    "Safetensors interop with the Python reference",
    .enabled(
        if: pythonSafetensorsAvailable(), "python3 with safetensors and numpy not found: pip install safetensors numpy")
)
struct SafetensorsInteropTests {
    @Test func pythonLoadsAFileWrittenBySwift() throws {
        let directory = try SafetensorsFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("swift.safetensors")
        let tensors: [String: Tensor] = [
            "conv.weight": Tensor(shape: [2, 1, 2], scalars: [0.5, -1.25, 3, 1e-7]),
            "conv.bias": Tensor(shape: [2], scalars: [-0.0, 65536]),
            "step": Tensor(shape: [], scalars: [12]),
            "none": Tensor(shape: [0, 3], scalars: []),
        ]
        let metadata = ["format": "np", "client": "ünï \"7\""]
        try Safetensors.write(tensors, metadata: metadata, to: url)

        let script = """
            import json, sys
            from safetensors import safe_open
            from safetensors.numpy import load_file
            tensors = load_file(sys.argv[1])
            with safe_open(sys.argv[1], framework="numpy") as f:
                metadata = f.metadata()
            print(json.dumps({
                "metadata": metadata,
                "tensors": {name: {"dtype": str(t.dtype), "shape": list(t.shape),
                                   "values": [float(x) for x in t.reshape(-1)]} for name, t in tensors.items()},
            }))
            """
        let result = try PythonSafetensors.run(script, [url.path])
        try #require(result.status == 0, "python failed: \(result.stderr)")
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            "output: \(result.stdout)")
        #expect(summary["metadata"] as? [String: String] == metadata)
        let loaded = try #require(summary["tensors"] as? [String: [String: Any]])
        #expect(Set(loaded.keys) == Set(tensors.keys))
        for (name, tensor) in tensors {
            let entry = try #require(loaded[name])
            #expect(entry["dtype"] as? String == "float32")
            #expect(entry["shape"] as? [Int] == tensor.shape, "\(name)")
            let values = try #require(entry["values"] as? [Double])
            #expect(values.map(Float.init) == tensor.scalars, "\(name)")
        }
    }

    @Test func swiftLoadsAFileWrittenByPython() throws {
        let directory = try SafetensorsFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("python.safetensors")
        let script = """
            import sys
            import numpy as np
            from safetensors.numpy import save_file
            save_file({
                "dense": (np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5).astype(np.float32),
                "bias": np.array([-1.5, 0.0, 2.25], dtype=np.float32),
                "half": np.array([1.0, -2.0, 0.5, 65504.0, 0.1], dtype=np.float16),
            }, sys.argv[1], metadata={"format": "np", "origin": "python"})
            """
        let result = try PythonSafetensors.run(script, [url.path])
        try #require(result.status == 0, "python failed: \(result.stderr)")

        let file = try Safetensors.read(from: url)
        #expect(file.metadata == ["format": "np", "origin": "python"])
        #expect(file.dtypes == ["dense": .f32, "bias": .f32, "half": .f16])
        #expect(file["dense"] == Tensor(shape: [2, 3], scalars: [-0.5, -0.25, 0, 0.25, 0.5, 0.75]))
        #expect(file["bias"] == Tensor(shape: [3], scalars: [-1.5, 0, 2.25]))
        // 0.1 is not representable in binary16; numpy rounds it to 0x2E66.
        #expect(file["half"] == Tensor(shape: [5], scalars: [1, -2, 0.5, 65504, 0.0999755859375]))
    }
}
