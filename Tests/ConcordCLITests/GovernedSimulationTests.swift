import Foundation
import Testing

/// `concord simulate --charter --audit-log`: governance enforced end to end, without a network.
@Suite("concord simulate under a charter")
struct GovernedSimulationTests {
    /// A directory holding tiny MNIST and a charter in force for 10 simulated participants of seed 1,
    /// permitting logreg with fedavg, z ≥ 1, ε ≤ 8, every participant capped at 8 but participant-3 at 2.
    static func federation() async throws -> URL {
        let directory = try TinyMNIST.write(trainCount: 200, testCount: 40)
        let result = try await Concord.run([
            "charter", "init", "--out", directory.appendingPathComponent("charter.yaml").path, "--simulated", "10",
            "--seed", "1", "--sign-simulated", "--model", "logreg", "--strategy", "fedavg", "--no-secure-aggregation",
            "--min-noise-multiplier", "1", "--max-epsilon", "8", "--epsilon-cap", "8",
            "--participant-cap", "participant-3=2", "--max-rounds", "50",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        return directory
    }

    func simulate(_ directory: URL, _ extra: [String]) async throws -> Concord.Result {
        try await Concord.run(
            [
                "simulate", "--data", directory.path, "--model", "logreg", "--clients", "10", "--fraction", "0.5",
                "--seed", "1", "--dp-clip", "1", "--dp-delta", "1e-5", "--dp-epsilon-budget", "8",
                "--charter", directory.appendingPathComponent("charter.yaml").path,
            ] + extra)
    }

    @Test func participantsStopAtTheirOwnCapsAndTheRecordVerifies() async throws {
        let directory = try await Self.federation()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("audit.jsonl").path
        let report = directory.appendingPathComponent("report.json")
        let result = try await simulate(
            directory,
            ["--dp-noise-multiplier", "1.5", "--rounds", "12", "--audit-log", log, "--report", report.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("the run is permitted"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        let privacy = try #require(json["privacy"] as? [String: Any])
        let participants = try #require(privacy["participants_epsilon"] as? [String: Double])
        let capped = try #require(participants["participant-3"])
        #expect(capped <= 2, "participant-3 stops at its own cap")
        let spent = try #require(privacy["epsilon_spent"] as? Double)
        #expect(spent > 2, "the run goes on past participant-3's cap")
        #expect(participants.values.contains { $0 > 2 }, "the others go on taking part")
        let rounds = try #require(json["rounds"] as? [[String: Any]])
        #expect(rounds.contains { ($0["failures"] as? Int ?? 0) > 0 }, "participant-3's refusal is recorded")

        let verify = try await Concord.run([
            "audit", "verify", log, "--charter", directory.appendingPathComponent("charter.yaml").path,
        ])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stdout.contains("audit log valid"))
        let lines = try String(contentsOfFile: log, encoding: .utf8)
        for kind in [
            "run_started", "round_configured", "participants_chosen", "update_received", "aggregate_produced",
            "epsilon_spent", "model_released", "log_sealed",
        ] {
            #expect(lines.contains("\"kind\":\"\(kind)\""), "the log records \(kind)")
        }
    }

    @Test func theRunsModelIsReleasedOnlyWithAQuorumOfParticipants() async throws {
        let directory = try await Self.federation()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func run(_ arguments: [String]) async throws -> Concord.Result {
            let result = try await Concord.run(arguments)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
            return result
        }
        _ = try await simulate(
            directory,
            [
                "--dp-noise-multiplier", "1.5", "--rounds", "3", "--audit-log", path("audit.jsonl"), "--save",
                path("model.safetensors"),
            ])
        for name in ["coordinator"] + (0..<6).map({ "participant-\($0)" }) {
            _ = try await run(["keys", "generate", "--simulated-seed", "1", "--name", name, "--out", path(name)])
        }
        _ = try await run([
            "release", "create", "--model", path("model.safetensors"), "--charter", path("charter.yaml"),
            "--audit", path("audit.jsonl"), "--key", path("coordinator.key"), "--out", path("release.json"),
        ])
        func verify() async throws -> Int32 {
            try await Concord.run([
                "release", "verify", "--release", path("release.json"), "--model", path("model.safetensors"),
                "--charter", path("charter.yaml"), "--audit", path("audit.jsonl"),
            ]).status
        }
        for i in 0..<5 {
            _ = try await run([
                "release", "sign", "--release", path("release.json"), "--charter", path("charter.yaml"),
                "--key", path("participant-\(i).key"), "--model", path("model.safetensors"),
            ])
        }
        await #expect(try verify() != 0, "5 of 10 is below the majority quorum of 6")
        _ = try await run([
            "release", "sign", "--release", path("release.json"), "--charter", path("charter.yaml"),
            "--key", path("participant-5.key"), "--model", path("model.safetensors"),
        ])
        await #expect(try verify() == 0, "6 of 10 co-signed the exact model")
    }

    @Test(arguments: [
        (["--strategy", "fedadam", "--dp-noise-multiplier", "1"], "tasks[0].strategies"),
        (["--dp-noise-multiplier", "0.5"], "privacy.min_noise_multiplier"),
        (["--dp-noise-multiplier", "1", "--model", "mlp"], "tasks"),
        (["--dp-noise-multiplier", "1", "--rounds", "80"], "tasks[0].max_rounds"),
    ])
    func aRunTheCharterDoesNotPermitIsRefusedNamingTheClause(extra: [String], clause: String) async throws {
        let directory = try await Self.federation()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await simulate(directory, extra)
        #expect(result.status != 0)
        #expect(result.stderr.contains("the charter does not permit this run: \(clause)"), "\(result.stderr)")
        #expect(!result.stdout.contains("round 1/"), "refused before its first round")
    }

    @Test func aCharterNotInForceIsRefused() async throws {
        let directory = try TinyMNIST.write(trainCount: 100, testCount: 20)
        defer { try? FileManager.default.removeItem(at: directory) }
        let charter = directory.appendingPathComponent("charter.yaml").path
        _ = try await Concord.run([
            "charter", "init", "--out", charter, "--simulated", "4", "--seed", "1", "--model", "logreg",
            "--no-secure-aggregation",
        ])
        let result = try await Concord.run([
            "simulate", "--data", directory.path, "--model", "logreg", "--clients", "4", "--charter", charter,
            "--dp-noise-multiplier", "1", "--dp-clip", "1", "--dp-epsilon-budget", "8",
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("is not in force"), "\(result.stderr)")
    }

    @Test("under a record-level charter each virtual participant's record-level ε stops at its charter cap")
    func recordLevelCharter() async throws {
        let directory = try TinyMNIST.write(trainCount: 200, testCount: 40)
        defer { try? FileManager.default.removeItem(at: directory) }
        let charter = directory.appendingPathComponent("charter.yaml").path
        let made = try await Concord.run([
            "charter", "init", "--out", charter, "--simulated", "3", "--seed", "1", "--sign-simulated", "--model",
            "logreg", "--no-secure-aggregation", "--privacy-level", "record", "--min-noise-multiplier", "1",
            "--max-epsilon", "12", "--epsilon-cap", "12", "--participant-cap", "participant-2=2.5", "--max-rounds", "10",
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let report = directory.appendingPathComponent("report.json")
        let result = try await Concord.run([
            "simulate", "--data", directory.path, "--model", "logreg", "--clients", "3", "--fraction", "1",
            "--rounds", "4", "--seed", "1", "--charter", charter, "--dp-level", "record", "--dp-noise-multiplier", "1.1",
            "--dp-clip-norm", "1", "--dp-record-sampling-rate", "0.05", "--report", report.path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        // 20 steps a round: 40 steps are ε = 2.406 ≤ 2.5, 60 would be past it.
        #expect(result.stdout.contains("participant 2: ε = 2.406 after 40 DP-SGD steps"), "\(result.stdout)")
        #expect(result.stdout.contains("participant 0: ε = 3.041 after 80 DP-SGD steps"), "\(result.stdout)")
        // A user-level run is not what this charter governs.
        let user = try await Concord.run([
            "simulate", "--data", directory.path, "--model", "logreg", "--clients", "3", "--rounds", "1", "--seed", "1",
            "--charter", charter, "--dp-noise-multiplier", "1.5", "--dp-clip", "1", "--dp-epsilon-budget", "8",
        ])
        #expect(user.status != 0 && user.stderr.contains("privacy.level"), "\(user.stdout) \(user.stderr)")
    }
}
