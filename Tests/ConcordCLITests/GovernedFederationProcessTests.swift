import ConcordPrivacy
import Foundation
import Testing

/// A real federation under a charter: `concord serve --charter --signing-key --audit-log` and three
/// `concord node --charter --signing-key --ledger` processes over mutual TLS, with real keys.
@Suite("A real federation under a charter", .serialized)
struct GovernedFederationProcessTests {
    static let names = FederationProcessTests.names

    /// The federation of ``FederationProcessTests`` plus keys for everyone, a charter every node signed (logreg,
    /// fedavg, z ≥ 1.5, ε ≤ 12, gamma's own cap `gammaCap`), and the DP run's configuration.
    struct Governed {
        let federation: FederationProcessTests.Federation
        func path(_ name: String) -> String { federation.path(name) }

        init(rounds: Int, gammaCap: Double, level: String = "user", minNoise: Double = 1.5) async throws {
            federation = try await FederationProcessTests.Federation()
            try FileManager.default.createDirectory(
                atPath: federation.path("keys"), withIntermediateDirectories: true)
            for name in ["coordinator"] + GovernedFederationProcessTests.names {
                let keys = try await Concord.run(["keys", "generate", "--out", federation.path("keys/\(name)")])
                #expect(keys.status == 0, "\(keys.stderr)")
            }
            let charter = try await Concord.run(
                [
                    "charter", "init", "--out", federation.path("charter.yaml"), "--federation", "hospitals",
                    "--coordinator-key", federation.path("keys/coordinator.pub"), "--coordinator-name", "coordinator",
                    "--model", "logreg", "--strategy", "fedavg", "--no-secure-aggregation",
                    "--min-noise-multiplier", "\(minNoise)", "--max-epsilon", "12", "--epsilon-cap", "12",
                    "--privacy-level", level,
                    "--participant-cap", "gamma=\(gammaCap)", "--max-rounds", "20",
                ] + GovernedFederationProcessTests.names.flatMap {
                    ["--participant", "\($0)=\(federation.path("keys/\($0).pub"))"]
                })
            #expect(charter.status == 0, "\(charter.stderr)")
            for name in GovernedFederationProcessTests.names {
                let signed = try await Concord.run([
                    "charter", "sign", "--charter", federation.path("charter.yaml"), "--key",
                    federation.path("keys/\(name).key"), "--in-place",
                ])
                #expect(signed.status == 0, "\(signed.stderr)")
            }
            _ = try federation.configure(
                rounds: rounds, model: "logreg", minFitResults: nil,
                extra: """
                    charter: charter.yaml
                    signing_key: keys/coordinator.key
                    audit_log: audit.jsonl
                    """)
        }

        /// The run store's files: the database and SQLite's write-ahead log beside it.
        var store: [String] { ["run.sqlite", "run.sqlite-wal", "run.sqlite-shm"].map(path) }

        /// Copies the files at `from` over those at `to`, pairwise; a file absent at `from` is absent at `to`.
        func copy(_ from: [String], to: [String]) throws {
            let files = FileManager.default
            for (source, target) in zip(from, to) {
                try? files.removeItem(atPath: target)
                if files.fileExists(atPath: source) { try files.copyItem(atPath: source, toPath: target) }
            }
        }

        /// `concord serve` with differential privacy (by default user-level, z = 2, within the charter).
        func serve(
            log: String, port: Int? = nil,
            dp: [String] = ["--dp-noise-multiplier", "2", "--dp-clip", "1", "--dp-epsilon-budget", "12"]
        ) async throws -> (process: BackgroundProcess, port: Int) {
            try await federation.serve(log: log, port: port, arguments: dp)
        }

        func node(_ name: String, port: Int, log: String? = nil) throws -> BackgroundProcess {
            try BackgroundProcess(
                [
                    "node", "--server", "127.0.0.1:\(port)", "--data", path("data/\(name)"), "--name", name,
                    "--pki", path("pki"), "--charter", path("charter.yaml"), "--signing-key", path("keys/\(name).key"),
                    "--ledger", path("\(name).ledger.json"),
                ], log: URL(fileURLWithPath: path(log ?? "node-\(name).log")))
        }

        /// `concord audit verify` and Tools/verify_concord.py on the log at `log`: their exit statuses and output.
        func verify(_ log: String) async throws -> (swift: Concord.Result, python: ExternalTool.Output?) {
            let swift = try await Concord.run(["audit", "verify", log, "--charter", path("charter.yaml")])
            guard let python = ExternalTool.find(["python3"]) else { return (swift, nil) }
            let charterJSON = path("charter.json")
            if !FileManager.default.fileExists(atPath: charterJSON) {
                let canonical = try await Concord.run(["charter", "show", "--canonical", "--charter", path("charter.yaml")])
                try Data(canonical.stdout.utf8).write(to: URL(fileURLWithPath: charterJSON))
            }
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Tools/verify_concord.py").path
            return (swift, try await ExternalTool.run(python, [script, "audit", log, "--charter-json", charterJSON]))
        }

        /// Expects both verifiers to refuse the log at `log`, naming entry `index`.
        func expectRefused(_ log: String, entry index: Int, _ what: String) async throws {
            let (swift, python) = try await verify(log)
            #expect(swift.status == 1, "\(what): concord accepted it: \(swift.stdout)")
            #expect(swift.stdout.contains("INVALID: entry \(index) "), "\(what): \(swift.stdout)")
            if let python {
                #expect(python.status == 1, "\(what): verify_concord.py accepted it: \(python.text)")
                #expect(python.text.contains("entry \(index) "), "\(what): \(python.text) \(python.stderr)")
            }
        }
    }

    /// The log's lines, and the index of the first with `kind`.
    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test("a run under a charter: both verifiers accept its log; a flipped byte, a deleted entry fail, naming it; a node at its cap refuses, also after kill -9")
    func signedRecordAndNodeCap() async throws {
        // z = 2, q = 1: gamma's ε is about 3.6 after 2 rounds and 4.5 after 3, so with its cap of 4 it takes part in
        // 2 of the 6 rounds.
        let governed = try await Governed(rounds: 6, gammaCap: 4)
        defer { governed.federation.remove() }
        let (coordinator, port) = try await governed.serve(log: "serve.log")
        let alpha = try governed.node("alpha", port: port), beta = try governed.node("beta", port: port)
        var gamma = try governed.node("gamma", port: port)
        #expect(await coordinator.waitFor("gamma (", timeout: 240), "gamma never refused: \(coordinator.output)")
        #expect(coordinator.output.contains("cap"), "the refusal gives the reason: \(coordinator.output)")

        // kill -9 the node at its cap and start it again: its ledger is as it was, and it still refuses.
        gamma.kill()
        let ledger = governed.path("gamma.ledger.json")
        let kept = try Data(contentsOf: URL(fileURLWithPath: ledger))
        gamma = try governed.node("gamma", port: port, log: "node-gamma-2.log")
        #expect(await coordinator.wait(timeout: 240) == 0, "\(coordinator.output)")
        #expect(gamma.output.contains("refused task"), "the restarted gamma refuses too: \(gamma.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == kept, "the restarted node's ledger changed")
        #expect(gamma.output.contains("ε spent so far"), "\(gamma.output)")
        for node in [alpha, beta, gamma] { #expect(await node.wait(timeout: 30) == 0, "\(node.output)") }

        // The refusal is in the store, for `concord status`.
        let status = try await Concord.run(["status", "--store", governed.path("run.sqlite")])
        #expect(status.stdout.contains("run 'test': finished"), "\(status.stdout)")
        #expect(status.stdout.contains("round") && status.stdout.contains("cap ε"), "gamma's refusal: \(status.stdout)")

        // The exported log is the store's, and both verifiers accept it.
        let log = governed.path("audit.jsonl")
        let exported = try await Concord.run([
            "audit", "export", "--store", governed.path("run.sqlite"), "--out", governed.path("exported.jsonl"),
        ])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: log)) == Data(contentsOf: URL(fileURLWithPath: governed.path("exported.jsonl"))))
        let (swift, python) = try await governed.verify(log)
        #expect(swift.status == 0, "\(swift.stdout) \(swift.stderr)")
        if let python { #expect(python.status == 0, "\(python.text) \(python.stderr)") }
        let lines = try Self.lines(log)
        let updates = lines.indices.filter { lines[$0].contains("\"kind\":\"update_received\"") }
        #expect(updates.count == 6 + 6 + 2, "alpha and beta in 6 rounds, gamma in 2: \(updates.count)")
        #expect(updates.allSatisfy { lines[$0].contains("\"receipt\":\"") }, "every update carries its receipt")

        // One flipped byte in an update's hash, and a deleted entry: both fail, naming the entry.
        let target = try #require(updates.first)
        var flipped = lines
        let shaRange = try #require(flipped[target].range(of: "\"sha256\":\""))
        let at = flipped[target].index(shaRange.upperBound, offsetBy: 5)
        flipped[target].replaceSubrange(at...at, with: flipped[target][at] == "0" ? "1" : "0")
        try (flipped.joined(separator: "\n") + "\n").write(
            toFile: governed.path("flipped.jsonl"), atomically: true, encoding: .utf8)
        try await governed.expectRefused(governed.path("flipped.jsonl"), entry: target, "a flipped byte")
        var deleted = lines
        deleted.remove(at: target)
        try (deleted.joined(separator: "\n") + "\n").write(
            toFile: governed.path("deleted.jsonl"), atomically: true, encoding: .utf8)
        try await governed.expectRefused(governed.path("deleted.jsonl"), entry: target, "a deleted entry")
    }

    @Test(
        "the coordinator killed with kill -9 mid-run resumes: its final model is byte-identical to an uninterrupted run's, and its audit log verifies, each round once"
    )
    func coordinatorKillKeepsTheLogVerifying() async throws {
        let governed = try await Governed(rounds: 6, gammaCap: 12)
        defer { governed.federation.remove() }
        // The run as created (its seed and secret noise key in the store), before any node connects: the
        // uninterrupted run and the interrupted one both start from it.
        var (coordinator, port) = try await governed.serve(log: "serve-0.log")
        coordinator.kill()
        let created = governed.store.map { "\($0).created" }
        try governed.copy(governed.store, to: created)

        (coordinator, port) = try await governed.serve(log: "serve-uninterrupted.log", port: port)
        var nodes = try Self.names.map { try governed.node($0, port: port, log: "node-\($0)-uninterrupted.log") }
        #expect(await coordinator.wait(timeout: 240) == 0, "\(coordinator.output)")
        for node in nodes { #expect(await node.wait(timeout: 30) == 0, "\(node.output)") }
        let uninterrupted = try governed.federation.finalModel()
        #expect(try await governed.verify(governed.path("audit.jsonl")).swift.status == 0)

        // The same run again from its creation, with the nodes' ledgers as they were then (none).
        try governed.copy(created, to: governed.store)
        for name in Self.names { try? FileManager.default.removeItem(atPath: governed.path("\(name).ledger.json")) }
        try FileManager.default.removeItem(atPath: governed.path("final.safetensors"))
        (coordinator, port) = try await governed.serve(log: "serve-1.log", port: port)
        nodes = try Self.names.map { try governed.node($0, port: port) }
        #expect(
            await coordinator.killMidRun(after: Int.random(in: 1...4), of: 6, timeout: 240), "\(coordinator.output)")
        #expect(!coordinator.output.contains("round 6/6"), "the run ended before the kill; the test proves nothing")
        // Whatever instant the kill came at, the store's log ends at a committed round and verifies unsealed.
        let midway = try await Concord.run([
            "audit", "export", "--store", governed.path("run.sqlite"), "--out", governed.path("midway.jsonl"),
        ])
        #expect(midway.status == 0, "\(midway.stderr)")
        let unsealed = try await Concord.run([
            "audit", "verify", governed.path("midway.jsonl"), "--charter", governed.path("charter.yaml"),
            "--allow-unsealed",
        ])
        #expect(unsealed.status == 0, "\(unsealed.stdout)")

        (coordinator, port) = try await governed.serve(log: "serve-2.log", port: port)
        #expect(await coordinator.wait(timeout: 240) == 0, "\(coordinator.output)")
        #expect(coordinator.output.contains("resuming run 'test' after round"), "\(coordinator.output)")
        for node in nodes { #expect(await node.wait(timeout: 30) == 0, "\(node.output)") }
        // The noise of each round is the run's key's: the round the kill interrupted was noised again as before.
        #expect(try governed.federation.finalModel() == uninterrupted, "the resumed run's final model differs")
        let (swift, python) = try await governed.verify(governed.path("audit.jsonl"))
        #expect(swift.status == 0, "\(swift.stdout)")
        if let python { #expect(python.status == 0, "\(python.text) \(python.stderr)") }
        let lines = try Self.lines(governed.path("audit.jsonl"))
        let aggregates = lines.filter { $0.contains("\"kind\":\"aggregate_produced\"") }
        #expect(aggregates.count == 6, "each of the 6 rounds is recorded exactly once: \(aggregates.count)")
        #expect(lines.first?.contains("\"update_receipts\":true") == true)
        #expect(lines.last?.contains("\"kind\":\"log_sealed\"") == true)
    }

    @Test("a coordinator not under the charter: every node refuses its task, naming the clause, in the log and the status")
    func nodesRefuseARoundOutsideTheirCharter() async throws {
        let governed = try await Governed(rounds: 1, gammaCap: 12)
        defer { governed.federation.remove() }
        // The same federation, served without the charter (and with less noise than its floor).
        _ = try governed.federation.configure(rounds: 1, model: "logreg", minFitResults: 1)
        let (coordinator, port) = try await governed.federation.serve(
            log: "serve.log", arguments: ["--dp-noise-multiplier", "1", "--dp-clip", "1"])
        let nodes = try Self.names.map { try governed.node($0, port: port) }
        #expect(
            await coordinator.waitFor("the round is under no charter", timeout: 240),
            "the nodes never refused: \(coordinator.output)")
        #expect(coordinator.output.contains("charter: the round is under no charter"), "\(coordinator.output)")
        let status = try await Concord.run(["status", "--store", governed.path("run.sqlite")])
        #expect(status.stdout.contains("the node refused the task: charter:"), "\(status.stdout)")
        coordinator.kill()
        for (name, node) in zip(Self.names, nodes) {
            node.kill()
            #expect(node.output.contains("refused task"), "\(node.output)")
            // A refused round costs nothing: the ledger was never written.
            #expect(!FileManager.default.fileExists(atPath: governed.path("\(name).ledger.json")))
        }
    }

    @Test("under a record-level charter each node runs DP-SGD, its --ledger is its record-level ledger at its charter cap, and a user-level run is refused")
    func recordLevelCharter() async throws {
        // Rounds of 20 DP-SGD steps at q = 0.05, σ = 1.1: gamma's cap lies between 40 and 60 steps' ε.
        func epsilon(_ steps: Int) throws -> Double {
            try RDPAccountant.epsilon(samplingRate: 0.05, noiseMultiplier: 1.1, steps: steps, delta: 1e-5)
        }
        let governed = try await Governed(rounds: 3, gammaCap: try epsilon(50), level: "record", minNoise: 1)
        defer { governed.federation.remove() }
        let record = [
            "--dp-level", "record", "--dp-noise-multiplier", "1.1", "--dp-clip-norm", "1",
            "--dp-record-sampling-rate", "0.05",
        ]
        // The charter's level is record: a user-level run is not permitted, and serve says which clause.
        let refused = try await Concord.run(
            ["serve", "--config", governed.path("federation.yaml"), "--dp-noise-multiplier", "2", "--dp-clip", "1",
             "--dp-epsilon-budget", "12"])
        #expect(refused.status != 0 && refused.stderr.contains("privacy.level"), "\(refused.stdout) \(refused.stderr)")

        let (coordinator, port) = try await governed.serve(log: "serve.log", dp: record)
        let nodes = try GovernedFederationProcessTests.names.map { try governed.node($0, port: port) }
        #expect(await coordinator.wait(timeout: 240) == 0, "\(coordinator.output)")
        for node in nodes { #expect(await node.wait(timeout: 30) == 0, "\(node.output)") }
        let gamma = try #require(nodes.last)
        #expect(gamma.output.contains("record-level ε spent so far 0.0000 of its cap"), "\(gamma.output)")
        #expect(gamma.output.contains("past its cap of"), "\(gamma.output)")
        #expect(coordinator.output.contains("round 3/3: 2 of 3 answered"), "\(coordinator.output)")
        let three = String(format: "%.3f", try epsilon(60))
        #expect(coordinator.output.contains("alpha \(three), beta \(three); failed: gamma ("), "\(coordinator.output)")
        let ledger = try #require(
            try RecordPrivacyLedgerFile(path: governed.path("gamma.ledger.json")).load(participant: "gamma"))
        #expect(ledger.steps == 40, "\(ledger)")
        let (swift, python) = try await governed.verify(governed.path("audit.jsonl"))
        #expect(swift.status == 0, "\(swift.stdout) \(swift.stderr)")
        if let python { #expect(python.status == 0, "\(python.text) \(python.stderr)") }
        // The signed record holds every round's reported record-level ε, by node.
        let spent = try Self.lines(governed.path("audit.jsonl")).filter { $0.contains("\"kind\":\"epsilon_spent\"") }
        #expect(spent.count == 3, "\(spent)")
        #expect(spent.last?.contains("\"participants\":{\"alpha\":") == true, "\(spent)")
        #expect(spent.last?.contains("\"gamma\"") == false, "gamma did not answer round 3: \(spent)")
    }
}
