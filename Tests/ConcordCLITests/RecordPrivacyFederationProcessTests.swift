import ConcordPrivacy
import Foundation
import Testing

/// Record-level DP over the wire: `concord serve --dp-level record` and three `concord node`s over mutual TLS, each
/// node running DP-SGD on its own records and accounting its own ε.
@Suite("Record-level DP-SGD at real nodes", .serialized)
struct RecordPrivacyFederationProcessTests {
    @Test("three nodes run DP-SGD and each states the ε of its own steps, the accountant's")
    func everyNodeAccountsItsOwnSteps() async throws {
        let federation = try await FederationProcessTests.Federation()
        defer { federation.remove() }
        _ = try federation.configure(rounds: 2, model: "logreg")
        let (coordinator, port) = try await federation.serve(
            log: "serve.log",
            arguments: [
                "--dp-level", "record", "--dp-noise-multiplier", "1.1", "--dp-clip-norm", "1",
                "--dp-record-sampling-rate", "0.05",
            ])
        let nodes = try FederationProcessTests.names.map { try federation.node($0, port: port) }
        #expect(await coordinator.wait(timeout: 240) == 0, "\(coordinator.output)")
        // Two rounds of one epoch of round(1/0.05) = 20 steps each, at the run's δ.
        let expected = try RDPAccountant.epsilon(samplingRate: 0.05, noiseMultiplier: 1.1, steps: 40, delta: 1e-5)
        for node in nodes {
            #expect(await node.wait(timeout: 30) == 0, "\(node.output)")
            let line = "round 2: record-level ε = \(String(format: "%.4f", expected)) at δ = 1e-05 after 40 DP-SGD steps"
            #expect(node.output.contains(line), "expected '\(line)': \(node.output)")
        }
        #expect(coordinator.output.contains("round 2/2: 3 of 3 answered"), "\(coordinator.output)")
    }

    @Test("a node's record ledger holds its cap: past it the node refuses, the run goes on, a restart reads it back")
    func aCappedNodeRefusesPastItsCap() async throws {
        let federation = try await FederationProcessTests.Federation()
        defer { federation.remove() }
        _ = try federation.configure(rounds: 3, model: "logreg", minFitResults: 2)
        let (coordinator, port) = try await federation.serve(
            log: "serve.log",
            arguments: [
                "--dp-level", "record", "--dp-noise-multiplier", "1.1", "--dp-clip-norm", "1",
                "--dp-record-sampling-rate", "0.05",
            ])
        // Rounds of 20 steps: alpha's cap lies between 40 and 60 steps, so it trains rounds 1 and 2 only.
        func epsilon(_ steps: Int) throws -> Double {
            try RDPAccountant.epsilon(samplingRate: 0.05, noiseMultiplier: 1.1, steps: steps, delta: 1e-5)
        }
        let cap = try epsilon(50)
        let ledger = federation.path("alpha-record-ledger.json")
        let capped = ["--record-ledger", ledger, "--record-epsilon-cap", "\(cap)"]
        let alpha = try federation.node("alpha", port: port, arguments: capped)
        let others = try ["beta", "gamma"].map { try federation.node($0, port: port) }
        #expect(await coordinator.wait(timeout: 240) == 0, "\(coordinator.output)")
        for node in [alpha] + others { #expect(await node.wait(timeout: 30) == 0, "\(node.output)") }

        #expect(alpha.output.contains("record-level ε spent so far 0 of its cap \(cap)"), "\(alpha.output)")
        #expect(alpha.output.contains("past its cap of \(cap)"), "\(alpha.output)")
        let two = String(format: "%.3f", try epsilon(40)), three = String(format: "%.3f", try epsilon(60))
        #expect(
            coordinator.output.contains("round 2/3: 3 of 3 answered")
                && coordinator.output.contains("alpha \(two), beta \(two), gamma \(two)"), "\(coordinator.output)")
        #expect(
            coordinator.output.contains("round 3/3: 2 of 3 answered")
                && coordinator.output.contains("beta \(three), gamma \(three); failed: alpha ("),
            "\(coordinator.output)")
        let kept = try #require(try RecordPrivacyLedgerFile(path: ledger).load(participant: "alpha"))
        #expect(kept.steps == 40 && kept.releases.map(\.round) == [1, 2] && kept.releases.allSatisfy { $0.run == "test" })

        // A restarted node reads its account back before it connects (nothing listens on the port any more).
        let restarted = try federation.node("alpha", port: port, log: "node-alpha-2.log", arguments: capped)
        defer { restarted.kill() }
        let line = "record-level ε spent so far \(String(format: "%.4f", try epsilon(40))) at δ = 1e-05 after 40 DP-SGD steps"
        #expect(await restarted.waitFor(line, timeout: 60), "\(restarted.output)")
    }
}
