import Foundation
import Testing

/// End-to-end tests of `concord simulate`.
@Suite("concord simulate")
struct SimulateCommandTests {
    @Test func writesTheReportAndStopsAtTheTarget() async throws {
        let directory = try TinyMNIST.write(trainCount: 400, testCount: 100)
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("simulate.json")
        let result = try await Concord.run([
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

    @Test func reportsNullWhenThereIsNoTarget() async throws {
        let directory = try TinyMNIST.write(trainCount: 100, testCount: 20)
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("simulate.json")
        let result = try await Concord.run([
            "simulate", "--data", directory.path, "--model", "logreg", "--clients", "4",
            "--rounds", "2", "--report", report.path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let text = try String(contentsOf: report, encoding: .utf8)
        #expect(text.contains("\"rounds_to_target\" : null"))
    }

    @Test func runsTheFedProxSyntheticFederation() async throws {
        let result = try await Concord.run([
            "simulate", "--dataset", "synthetic:1,1", "--model", "logreg", "--fraction", "0.34",
            "--rounds", "2", "--batch-size", "10", "--lr", "0.01",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("30 participants"))
    }

    @Test func runsARobustStrategyAgainstAttackersAndReportsThem() async throws {
        let directory = try TinyMNIST.write(trainCount: 200, testCount: 40)
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("simulate.json")
        let result = try await Concord.run([
            "simulate", "--data", directory.path, "--model", "logreg", "--clients", "10", "--fraction", "1",
            "--rounds", "2", "--strategy", "trimmed-mean:0.2+fedavgm", "--attack", "sign-flip:4", "--attackers", "0.2",
            "--report", report.path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("2 participants mount sign-flip:4.0"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        #expect(json["strategy"] as? String == "trimmed-mean(β=0.2) + fedavgm(η=1.0,β=0.9)")
        #expect((json["attackers"] as? [Int])?.count == 2)
        #expect(json["privacy"] is NSNull)
    }

    @Test func aPrivateRunReportsEpsilonAndStopsAtItsBudget() async throws {
        let directory = try TinyMNIST.write(trainCount: 400, testCount: 40)
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("simulate.json")
        let result = try await Concord.run([
            "simulate", "--data", directory.path, "--model", "logreg", "--clients", "40", "--fraction", "0.1",
            "--rounds", "50", "--dp-noise-multiplier", "1", "--dp-clip", "1", "--dp-epsilon-budget", "3",
            "--report", report.path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("poisson sampling"))
        #expect(result.stdout.contains("privacy budget exhausted"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        let privacy = try #require(json["privacy"] as? [String: Any])
        #expect(privacy["delta"] as? Double == 1e-5)
        #expect(privacy["epsilon_budget"] as? Double == 3)
        let spent = try #require(privacy["epsilon_spent"] as? Double)
        #expect(spent > 0 && spent <= 3)
        #expect((privacy["stopped_by_budget"] as? String)?.contains("privacy budget exhausted") == true)
        let rounds = try #require(json["rounds"] as? [[String: Any]])
        #expect(rounds.count < 50)
        let epsilons = rounds.compactMap { $0["epsilon"] as? Double }
        #expect(epsilons.count == rounds.count && epsilons == epsilons.sorted() && epsilons.last == spent)
        #expect(rounds.last?["test_accuracy"] is Double, "the model the budget leaves is evaluated")
    }

    @Test(arguments: [
        ["simulate", "--strategy", "fedsgd"], ["simulate", "--strategy", "krum"],
        ["simulate", "--attack", "sign-flip:-1"], ["simulate", "--attackers", "0.2"],
        ["simulate", "--dp-clip", "1"], ["simulate", "--dp-noise-multiplier", "1"],
        ["simulate", "--dp-noise-multiplier", "1", "--dp-clip", "1", "--dp-delta", "2"],
        ["simulate", "--dp-noise-multiplier", "1", "--dp-clip", "1", "--strategy", "median"],
        ["simulate", "--stragglers", "1.5"], ["simulate", "--server-momentum", "1"],
    ])
    func badStrategyAttackAndPrivacySettingsAreClearErrors(arguments: [String]) async throws {
        let result = try await Concord.run(arguments)
        #expect(result.status != 0)
        #expect(!result.stderr.isEmpty && !result.stderr.contains("Fatal error"), "stderr: \(result.stderr)")
    }

    @Test(arguments: [
        ["simulate", "--partition", "zipf"], ["simulate", "--fraction", "0"], ["simulate", "--fraction", "1.5"],
        ["simulate", "--dataset", "synthetic:one,1"], ["simulate", "--clients", "0"],
        ["simulate", "--target-accuracy", "2"],
        ["simulate", "--model", "logreg", "--clients", "70000"],
    ])
    func badSettingsAreClearErrors(arguments: [String]) async throws {
        let result = try await Concord.run(arguments)
        #expect(result.status != 0)
        #expect(!result.stderr.isEmpty && !result.stderr.contains("Fatal error"), "stderr: \(result.stderr)")
    }
}
