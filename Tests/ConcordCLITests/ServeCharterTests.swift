import Foundation
import Testing

/// `concord serve --charter`: the coordinator refuses to start a run its charter does not permit, naming the
/// clause, and writes nothing to the store.
@Suite("concord serve under a charter")
struct ServeCharterTests {
    /// A folder with tiny MNIST, a configuration for one round of logreg, and a charter in force permitting
    /// logreg with fedavg, z ≥ 1, ε ≤ 8, at most 50 rounds.
    static func federation(listen: String = "127.0.0.1:0") async throws -> URL {
        let folder = try TinyMNIST.write(trainCount: 20, testCount: 20)
        let charter = try await Concord.run([
            "charter", "init", "--out", folder.appendingPathComponent("charter.yaml").path, "--simulated", "1",
            "--seed", "1", "--sign-simulated", "--model", "logreg", "--strategy", "fedavg", "--no-secure-aggregation",
            "--min-noise-multiplier", "1", "--max-epsilon", "8", "--epsilon-cap", "8", "--max-rounds", "50",
        ])
        #expect(charter.status == 0, "\(charter.stderr)")
        try """
        run: test
        model: logreg
        rounds: 1
        evaluation: \(folder.path)
        participants: [participant-0]
        listen: \(listen)
        store: run.sqlite
        """.write(to: folder.appendingPathComponent("federation.yaml"), atomically: true, encoding: .utf8)
        return folder
    }

    /// Runs serve under the charter with the privacy flags `privacy`, expecting a refusal naming `clause`.
    func expectRefusal(_ privacy: [String], clause: String) async throws {
        let folder = try await Self.federation()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await Concord.run(
            [
                "serve", "--config", folder.appendingPathComponent("federation.yaml").path, "--insecure",
                "--charter", folder.appendingPathComponent("charter.yaml").path,
            ] + privacy)
        #expect(result.status != 0)
        #expect(result.stderr.contains("does not permit this run"), "\(result.stderr)")
        #expect(result.stderr.contains(clause), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run.sqlite").path))
    }

    @Test("a run without noise: refused, naming privacy.min_noise_multiplier")
    func noNoise() async throws {
        try await expectRefusal([], clause: "privacy.min_noise_multiplier")
    }

    @Test("noise below the floor: refused, naming privacy.min_noise_multiplier")
    func noiseBelowFloor() async throws {
        try await expectRefusal(
            ["--dp-noise-multiplier", "0.5", "--dp-clip", "1", "--dp-epsilon-budget", "8"],
            clause: "privacy.min_noise_multiplier")
    }

    @Test("a budget above the charter's: refused, naming privacy.max_epsilon")
    func budgetAboveCharter() async throws {
        try await expectRefusal(
            ["--dp-noise-multiplier", "1.5", "--dp-clip", "1", "--dp-epsilon-budget", "20"],
            clause: "privacy.max_epsilon")
    }

    @Test("a permitted run passes the charter and goes on to listen")
    func permittedRun() async throws {
        // A held port makes serve stop right after the charter check, at listening, with no nodes needed.
        let holder = try HeldPort()
        defer { withExtendedLifetime(holder) {} }
        let folder = try await Self.federation(listen: "127.0.0.1:\(holder.port)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await Concord.run([
            "serve", "--config", folder.appendingPathComponent("federation.yaml").path, "--insecure",
            "--charter", folder.appendingPathComponent("charter.yaml").path,
            "--dp-noise-multiplier", "1.5", "--dp-clip", "1", "--dp-epsilon-budget", "8",
        ])
        #expect(result.stdout.contains("is in force and permits the run"), "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("address already in use"), "\(result.stderr)")
    }

    @Test("the configuration's charter key (relative to the file) is enforced like the flag")
    func charterInConfiguration() async throws {
        let folder = try await Self.federation()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("federation.yaml")
        try (String(contentsOf: config, encoding: .utf8) + "\ncharter: charter.yaml\n").write(
            to: config, atomically: true, encoding: .utf8)
        let result = try await Concord.run(["serve", "--config", config.path, "--insecure"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("privacy.min_noise_multiplier"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run.sqlite").path))
    }
}
