import Foundation
import Testing

/// End-to-end tests of the `concord` executable: real processes, real files, real exit codes.
@Suite("concord command line")
struct CommandLineTests {
    @Test func trainWritesAReportOnAnIDXDirectory() async throws {
        let directory = try TinyMNIST.write(trainCount: 200, testCount: 50)
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("report.json")
        let weights = directory.appendingPathComponent("model.safetensors")
        let result = try await Concord.run([
            "train", "--data", directory.path, "--model", "logreg", "--epochs", "2", "--batch-size", "20",
            "--lr", "0.5", "--seed", "3", "--report", report.path, "--save", weights.path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("epoch 2/2"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        #expect(json["command"] as? String == "train")
        #expect(json["model"] as? String == "logreg")
        #expect(json["dataset"] as? String == directory.path)
        let epochs = try #require(json["epochs"] as? [[String: Any]])
        #expect(epochs.count == 2)
        #expect(epochs.map { $0["epoch"] as? Int } == [1, 2])
        for epoch in epochs {
            #expect(epoch["loss"] is Double)
            #expect(epoch["seconds"] is Double)
            let accuracy = try #require(epoch["test_accuracy"] as? Double)
            #expect(accuracy >= 0 && accuracy <= 1)
        }
        // The synthetic classes are separable, so even logistic regression must learn them.
        #expect((json["final_test_accuracy"] as? Double ?? 0) > 0.9)
        #expect(json["wall_seconds"] is Double)
        #expect(FileManager.default.fileExists(atPath: weights.path))
    }

    @Test func plainLinesWhenNotATerminal() async throws {
        let directory = try TinyMNIST.write(trainCount: 100, testCount: 20)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await Concord.run([
            "train", "--data", directory.path, "--model", "logreg", "--batch-size", "10",
        ])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("\u{1B}["), "no terminal escape codes in piped output")
        #expect(result.stdout.contains("epoch 1/1 50%"))
    }

    @Test func corruptDataGivesAClearErrorNamingTheFile() async throws {
        let directory = try TinyMNIST.write(trainCount: 20, testCount: 10)
        defer { try? FileManager.default.removeItem(at: directory) }
        let labels = directory.appendingPathComponent("train-labels-idx1-ubyte")
        let bytes = try Data(contentsOf: labels)
        try bytes.prefix(bytes.count - 5).write(to: labels)
        let result = try await Concord.run(["train", "--data", directory.path, "--model", "logreg"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("train-labels-idx1-ubyte"), "stderr: \(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func missingDirectoryListsTheExpectedFiles() async throws {
        let result = try await Concord.run(["train", "--data", "/nonexistent/concord-data", "--model", "logreg"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("train-images-idx3-ubyte"), "stderr: \(result.stderr)")
    }

    @Test(arguments: [
        ["train", "--model", "resnet"], ["train", "--epochs", "0"], ["train", "--dataset", "mnist", "--data", "/tmp"],
        ["train", "--lr", "-1"], ["bench", "--cases", "nope"],
    ])
    func invalidArgumentsAreRejected(arguments: [String]) async throws {
        let result = try await Concord.run(arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains("Error"), "stderr: \(result.stderr)")
    }

    @Test func benchPrintsOneJSONObject() async throws {
        let result = try await Concord.run(["bench", "--json", "--seconds", "0.05", "--cases", "gemm,mlp_b10"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((json["blas_kernel"] as? String)?.isEmpty == false)
        let gemm = try #require(json["gemm_gflops"] as? [String: Double])
        #expect(Set(gemm.keys) == ["512x512x512", "2000x784x200"])
        #expect(gemm.values.allSatisfy { $0 > 0 })
        let train = try #require(json["train_examples_per_second"] as? [String: Double])
        #expect((train["mlp_b10"] ?? 0) > 0)
    }

    @Test func trainsOnThePortableKernelWithoutBLAS() async throws {
        let directory = try TinyMNIST.write(trainCount: 100, testCount: 20)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await Concord.run(
            ["train", "--data", directory.path, "--model", "logreg"],
            environment: ["CONCORD_BLAS": "swift"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("BLAS: Swift (portable)"))
    }
}
