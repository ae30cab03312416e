import ConcordPrivacy
import Foundation
import Testing

@Suite("concord simulate --dp-level record: DP-SGD at every participant, each accounting its own ε")
struct RecordPrivacyCommandTests {
    @Test func aRecordLevelRunReportsEveryParticipantsEpsilon() async throws {
        let directory = try TinyMNIST.write(trainCount: 400, testCount: 40)
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("simulate.json")
        let result = try await Concord.run([
            "simulate", "--data", directory.path, "--model", "logreg", "--clients", "2", "--fraction", "1",
            "--rounds", "2", "--dp-level", "record", "--dp-noise-multiplier", "1.1", "--dp-clip-norm", "1",
            "--dp-record-sampling-rate", "0.05", "--report", report.path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("record-level DP-SGD"))
        #expect(result.stdout.contains("participant 0: ε = ") && result.stdout.contains("participant 1: ε = "))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        #expect(json["privacy"] is NSNull)
        let record = try #require(json["record_privacy"] as? [String: Any])
        let epsilons = try #require(record["participants_epsilon"] as? [String: Double])
        // Two rounds of one epoch of round(1/0.05) = 20 steps each.
        let expected = try RDPAccountant.epsilon(samplingRate: 0.05, noiseMultiplier: 1.1, steps: 40, delta: 1e-5)
        // Composed round by round (20 + 20 steps), so equal to rounding.
        #expect(epsilons.keys.sorted() == ["0", "1"])
        #expect(epsilons.values.allSatisfy { abs($0 - expected) < 1e-9 })
    }

    @Test(arguments: [
        ["simulate", "--dp-level", "record"], ["simulate", "--dp-record-sampling-rate", "0.1"],
        ["simulate", "--dp-level", "record", "--dp-noise-multiplier", "1", "--dp-clip-norm", "1"],
        ["simulate", "--dp-noise-multiplier", "1", "--dp-clip", "1", "--dp-record-sampling-rate", "0.1"],
        ["simulate", "--dp-level", "sample", "--dp-noise-multiplier", "1", "--dp-clip", "1"],
        ["serve", "--dp-level", "record", "--dp-noise-multiplier", "1", "--dp-clip", "1"],
    ])
    func badRecordLevelSettingsAreClearErrors(arguments: [String]) async throws {
        let result = try await Concord.run(arguments)
        #expect(result.status != 0)
        #expect(!result.stderr.isEmpty && !result.stderr.contains("Fatal error"), "stderr: \(result.stderr)")
    }
}
