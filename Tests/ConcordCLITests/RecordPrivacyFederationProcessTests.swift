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
}
