import Foundation
import Testing

/// End-to-end tests of `concord simulate`.
@Suite("concord simulate")
struct SimulateCommandTests {
    @Test func writesTheReportAndStopsAtTheTarget() throws {
        let directory = try TinyMNIST.write(trainCount: 400, testCount: 100)
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("simulate.json")
        let result = try Concord.run([
            "simulate", "--data", directory.path, "--model", "logreg", "--clients", "8", "--fraction", "0.5",
            "--local-epochs", "1", "--batch-size", "10", "--lr", "0.5", "--rounds", "15", "--partition", "shards",
            "--seed", "4", "--target-accuracy", "0.9", "--report", report.path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        #expect(json["command"] as? String == "simulate")
        #expect(json["clients"] as? Int == 8)
        #expect(json["partition"] as? String == "shards:2")
        let rounds = try #require(json["rounds"] as? [[String: Any]])
        let reached = try #require(json["rounds_to_target"] as? Int, "the separable data must reach 90%")
        #expect(rounds.count == reached, "the run stops at the first round that reaches the target")
        for (index, round) in rounds.enumerated() {
            #expect(round["round"] as? Int == index + 1)
            #expect(round["participants"] as? Int == 4)
            #expect(round["test_accuracy"] is Double && round["test_loss"] is Double && round["seconds"] is Double)
        }
        #expect((json["final_test_accuracy"] as? Double ?? 0) >= 0.9)
        #expect(json["wall_seconds"] is Double)
        #expect(result.stdout.contains("round 1/15"))
    }

    @Test func reportsNullWhenThereIsNoTarget() throws {
        let directory = try TinyMNIST.write(trainCount: 100, testCount: 20)
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("simulate.json")
        let result = try Concord.run([
            "simulate", "--data", directory.path, "--model", "logreg", "--clients", "4",
            "--rounds", "2", "--report", report.path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let text = try String(contentsOf: report, encoding: .utf8)
        #expect(text.contains("\"rounds_to_target\" : null"))
    }

    @Test func runsTheFedProxSyntheticFederation() throws {
        let result = try Concord.run([
            "simulate", "--dataset", "synthetic:1,1", "--model", "logreg", "--fraction", "0.34",
            "--rounds", "2", "--batch-size", "10", "--lr", "0.01",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("30 participants"))
    }

    @Test(arguments: [
        ["simulate", "--partition", "zipf"], ["simulate", "--fraction", "0"], ["simulate", "--fraction", "1.5"],
        ["simulate", "--dataset", "synthetic:one,1"], ["simulate", "--clients", "0"],
        ["simulate", "--target-accuracy", "2"],
        ["simulate", "--model", "logreg", "--clients", "70000"],
    ])
    func badSettingsAreClearErrors(arguments: [String]) throws {
        let result = try Concord.run(arguments)
        #expect(result.status != 0)
        #expect(!result.stderr.isEmpty && !result.stderr.contains("Fatal error"), "stderr: \(result.stderr)")
    }
}
