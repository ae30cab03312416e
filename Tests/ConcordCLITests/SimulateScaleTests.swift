import Foundation
import Testing

/// `concord simulate` at scale: final models pinned for a seed, and memory that follows the participants in
/// flight, not the participants.
@Suite("concord simulate at scale")
struct SimulateScaleTests {
    /// FNV-1a (64-bit) of a file's bytes: enough to pin a model file's exact contents.
    static func fingerprint(_ url: URL) throws -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in try Data(contentsOf: url) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    /// The final models of these runs, byte for byte as the release build of main before participants became
    /// views of the shared dataset and the synthetic devices were generated on demand wrote them (`--save`,
    /// then FNV-1a of the file), by BLAS kernel: the kernel decides the order of a GEMM's sums, hence the bits.
    static let pinned: [(arguments: [String], fingerprints: [String: UInt64])] = [
        (
            [
                "--model", "mlp", "--clients", "1000", "--fraction", "0.01", "--partition", "dirichlet:0.3",
                "--rounds", "2", "--batch-size", "10", "--lr", "0.1", "--seed", "7",
            ], ["OpenBLAS Haswell": 0x93e8_e9a9_cd71_205d, "OpenBLAS SkylakeX": 0xba7e_2d01_47ac_f9b3]
        ),
        (
            [
                "--dataset", "synthetic:1,1", "--model", "logreg", "--clients", "30", "--fraction", "0.2",
                "--rounds", "2", "--batch-size", "10", "--lr", "0.01", "--seed", "3",
            ], ["OpenBLAS Haswell": 0xe290_8db1_207f_fa13, "OpenBLAS SkylakeX": 0x68d6_ecd7_9392_91cb]
        ),
    ]

    @Test("the final model of a seeded run is the one main wrote, byte for byte", arguments: 0..<2)
    func finalModelIsPinned(run: Int) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-pin-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = directory.appendingPathComponent("model.safetensors")
        let result = try await Concord.run(["simulate"] + Self.pinned[run].arguments + ["--save", model.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let fingerprint = try Self.fingerprint(model)
        let kernel = result.stdout.components(separatedBy: "BLAS: ").last?.components(separatedBy: "\n").first ?? ""
        // Another kernel sums in another order: then only determinism can be checked here.
        guard let expected = Self.pinned[run].fingerprints[kernel] else {
            let again = directory.appendingPathComponent("again.safetensors")
            let second = try await Concord.run(["simulate"] + Self.pinned[run].arguments + ["--save", again.path])
            #expect(second.status == 0, "stderr: \(second.stderr)")
            #expect(try Self.fingerprint(again) == fingerprint, "the same seed gives the same model")
            return
        }
        #expect(
            fingerprint == expected,
            "fingerprint 0x\(String(fingerprint, radix: 16)) with \(kernel) of \(Self.pinned[run].arguments)")
    }

    /// Peak memory (from the report) of one round on the same 20,000 examples.
    func peakMemory(clients: Int, fraction: Double, data: URL) async throws -> Int {
        let report = data.appendingPathComponent("report-\(clients).json")
        let result = try await Concord.run([
            "simulate", "--data", data.path, "--model", "logreg", "--clients", "\(clients)", "--fraction",
            "\(fraction)", "--rounds", "1", "--batch-size", "10", "--lr", "0.1", "--eval-every", "0", "--report",
            report.path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        let rounds = try #require(json["rounds"] as? [[String: Any]])
        #expect(rounds.first?["participants"] as? Int == 100, "both runs train 100 participants in their round")
        #expect(rounds.first?["test_accuracy"] is Double, "--eval-every 0 still evaluates the last round")
        return try #require(json["peak_rss_bytes"] as? Int)
    }

    @Test("10,000 participants, 1% a round, take no more memory than 100 all at once (within 1.5×)")
    func memoryFollowsTheRoundNotTheParticipants() async throws {
        let data = try TinyMNIST.write(trainCount: 20_000, testCount: 200)
        defer { try? FileManager.default.removeItem(at: data) }
        let few = try await peakMemory(clients: 100, fraction: 1, data: data)
        let many = try await peakMemory(clients: 10_000, fraction: 0.01, data: data)
        #expect(few > 0)
        #expect(Double(many) <= 1.5 * Double(few), "peak memory \(many) B for 10,000 against \(few) B for 100")
    }
}
