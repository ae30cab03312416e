import Foundation
import Testing

/// End-to-end tests of `concord simulate --secure-aggregation` and `concord bench secagg`.
@Suite("concord secure aggregation")
struct SecureAggregationCommandTests {
    @Test func aSimulationWithSecureAggregationAndDropoutsTrains() async throws {
        let directory = try TinyMNIST.write(trainCount: 400, testCount: 50)
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("report.json")
        let result = try await Concord.run([
            "simulate", "--data", directory.path, "--model", "logreg", "--clients", "20", "--fraction", "0.5",
            "--rounds", "3", "--lr", "0.5", "--secure-aggregation", "--dropout", "0.2@masked-input",
            "--report", report.path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("secure aggregation: SecAgg+"), "stdout: \(result.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        let rounds = try #require(json["rounds"] as? [[String: Any]])
        #expect(rounds.count == 3)
        #expect(rounds.contains { ($0["failures"] as? Int ?? 0) > 0 }, "some participants should drop out")
        #expect((json["final_test_accuracy"] as? Double ?? 0) > 0.5)
    }

    @Test func differentialPrivacyComposesWithSecureAggregation() async throws {
        let directory = try TinyMNIST.write(trainCount: 400, testCount: 50)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await Concord.run([
            "simulate", "--data", directory.path, "--model", "logreg", "--clients", "20", "--fraction", "0.5",
            "--rounds", "2", "--secure-aggregation", "--dp-noise-multiplier", "0.5", "--dp-clip", "1",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("ε"), "stdout: \(result.stdout)")
    }

    @Test(arguments: [
        (["--strategy", "median"], "needs individual updates"),
        (["--strategy", "scaffold"], "needs individual updates"),
    ])
    func strategiesThatNeedIndividualUpdatesAreRefused(extra: [String], message: String) async throws {
        let directory = try TinyMNIST.write(trainCount: 100, testCount: 20)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await Concord.run(
            ["simulate", "--data", directory.path, "--model", "logreg", "--clients", "10", "--secure-aggregation"]
                + extra)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
    }

    @Test(arguments: [
        ["simulate", "--dropout", "0.1@unmask"], ["simulate", "--secure-aggregation", "--dropout", "0.1@later"],
        ["simulate", "--secure-aggregation", "--dropout", "2@unmask"],
        ["simulate", "--secure-aggregation", "--secagg-neighbors", "4", "--secagg-threshold", "2"],
        ["simulate", "--secure-aggregation", "--secagg-bits", "40"], ["bench", "secagg", "--clients", "2"],
    ])
    func invalidSettingsAreRejected(arguments: [String]) async throws {
        let result = try await Concord.run(arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains("Error"), "stderr: \(result.stderr)")
    }

    @Test func benchPrintsTheRoundAndItsStages() async throws {
        let result = try await Concord.run([
            "bench", "secagg", "--clients", "6", "--params", "5000", "--repeats", "1", "--json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((json["round_seconds"] as? Double ?? 0) > 0)
        #expect(json["error"] == nil, "the bench's sum must match the plain sum: \(json["error"] ?? "")")
        #expect(json["contributors"] as? Int == 6)
        let stages = try #require(json["stages"] as? [String: [String: Double]])
        #expect(Set(stages.keys) == ["advertise-keys", "share-keys", "masked-input", "unmask"])
        #expect(stages["masked-input"]?["participants_seconds"] != nil)
        #expect(stages["unmask"]?["coordinator_seconds"] != nil)
    }
}
