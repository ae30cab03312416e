import ConcordTesting
import Foundation
import Testing

/// Configurations too large for memory, as real processes meet them: `concord serve` with a model a run cannot
/// hold exits with the reason and leaves its run marked failed (and restartable once corrected); `concord node`
/// given images that cannot be loaded exits with the reason, before it allocates them.
@Suite("Bad sizes are refused, never a crash", .serialized)
struct MemoryRefusalTests {
    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concord-mem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func configure(model: String, in folder: URL, extra: String = "") throws -> String {
        let path = folder.appendingPathComponent("federation.yaml").path
        try """
        run: test
        model: \(model)
        rounds: 1
        participants: [alpha]
        listen: 127.0.0.1:0
        wait_timeout_seconds: 1
        store: run.sqlite
        \(extra)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("serve with model mlp:65536: a clear refusal, exit non-zero, status shows the run failed; fixed, it starts")
    func serveRefusesAModelTooLargeAndMarksTheRunFailed() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try Self.configure(model: "mlp:65536", in: folder)
        let started = Date()
        let result = try await Concord.run(["serve", "--config", config, "--insecure"])
        #expect(result.status != 0)
        #expect(Date().timeIntervalSince(started) < 300, "refused before allocating, long before a 69.6 GB run could start")
        let refusal = "model 'mlp:65536' has 4,347,133,962 parameters: a run needs 69.6 GB"
        #expect(result.stderr.contains(refusal), "\(result.stderr)")

        let store = folder.appendingPathComponent("run.sqlite").path
        let status = try await Concord.run(["status", "--store", store])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("run 'test': failed (\(refusal)"), "\(status.stdout)")
        #expect(status.stdout.contains("0 rounds committed"), "\(status.stdout)")

        // Corrected, the same run starts afresh instead of being refused for its changed configuration.
        _ = try Self.configure(model: "logreg", in: folder)
        let portFile = folder.appendingPathComponent("port").path
        let serve = try BackgroundProcess(
            ["serve", "--config", config, "--insecure", "--port-file", portFile],
            log: folder.appendingPathComponent("serve.log"))
        defer { if serve.process.isRunning { serve.kill() } }
        #expect(await serve.waitForFile(portFile, timeout: 120) != nil, "serve never listened: \(serve.output)")
        let restarted = try await Concord.run(["status", "--store", store])
        #expect(
            restarted.stdout.contains("run 'test': running") || restarted.stdout.contains("run 'test': paused"),
            "\(restarted.stdout)")
        #expect(!restarted.stdout.contains("failed"), "\(restarted.stdout)")
    }

    @Test("serve with an evaluation folder that lacks the test files: named, exit non-zero, nothing stored")
    func serveRefusesMissingEvaluationData() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let config = try Self.configure(model: "logreg", in: folder, extra: "evaluation: \(empty.path)")
        let result = try await Concord.run(["serve", "--config", config, "--insecure"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(empty.path): missing t10k-images-idx3-ubyte"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run.sqlite").path))
    }

    @Test("node with a 2.3 MB gzip declaring 3,000,000 images, under a 4 GB address-space limit: refused, exit 1")
    func nodeRefusesImagesTooLargeForMemory() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let images = data.appendingPathComponent("train-images-idx3-ubyte.gz")
        try Data(try Self.threeMillionZeroImages()).write(to: images)
        try Data(Self.header([3]) + [1, 2, 3]).write(to: data.appendingPathComponent("train-labels-idx1-ubyte"))

        // The limit makes the refusal this machine's own: without it a 24 GiB machine could load 11.8 GB.
        let started = Date()
        let result = try await Concord.run(
            ["node", "--server", "127.0.0.1:9", "--data", data.path, "--name", "alpha", "--insecure"],
            addressSpaceKiB: 4_000_000)
        #expect(result.status != 0)
        #expect(Date().timeIntervalSince(started) < 60, "refused before decompressing, so quickly")
        #expect(
            result.stderr.contains(
                "\(images.path) declares 3,000,000 images of 28×28: loading needs 11.8 GB and "),
            "\(result.stderr)")
        #expect(result.stderr.contains("are available ("), "\(result.stderr)")
        #expect(!result.stdout.contains("local examples"), "\(result.stdout)")
    }

    /// An unsigned-byte IDX header with these dimensions.
    static func header(_ dimensions: [Int]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for extent in dimensions { bytes += withUnsafeBytes(of: UInt32(extent).bigEndian) { Array($0) } }
        return bytes
    }

    /// 3,000,000 zero images of 28×28 as concatenated gzip members: the header, then 3,000 copies of one member
    /// of 1,000 zero images, compressed once. 2.3 MB, which a deflate stream may legitimately inflate to the
    /// 2.35 GB declared, so only memory stands in the way.
    static func threeMillionZeroImages() throws -> [UInt8] {
        let zeros = try gzip([UInt8](repeating: 0, count: 1_000 * 784))
        var file = try gzip(header([3_000_000, 28, 28]))
        for _ in 0..<3_000 { file += zeros }
        return file
    }

    /// `bytes` as one gzip member, at zlib's best compression.
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] { try GzipCompression.compress(bytes, level: 9) }
}
