import Foundation
import Testing

@testable import ConcordServer

/// The dashboard's page and `/metrics` drawn from snapshots, without a server.
@Suite("Dashboard rendering")
struct DashboardRenderingTests {
    static func snapshot(rounds: Int, participant: String = "alpha") -> DashboardSnapshot {
        DashboardSnapshot(
            run: "r", state: "running", reason: nil, configuration: "run: r\nseed: 42\nrounds: 9", plannedRounds: 9,
            rounds: (1...max(rounds, 1)).prefix(rounds).map { round in
                DashboardSnapshot.Round(
                    round: round, sampled: 3, answered: 2, failed: 1, accuracy: 0.5 + Double(round) / 100,
                    loss: 1 / Double(round), epsilon: 0.25 * Double(round), seconds: 1.5, secureAggregation: nil,
                    failures: ["gamma: missed the round deadline"])
            },
            participants: [
                DashboardSnapshot.Participant(name: participant, state: "connected", detail: "", lastSeen: Date())
            ], roundInProgress: nil, failedTries: [], epsilonSpent: 0.25 * Double(rounds), epsilonBudget: 8,
            live: false)
    }

    @Test func textFromNodesAndConfigurationsNeverBecomesMarkup() {
        let page = DashboardPage.page(Self.snapshot(rounds: 2, participant: "<script>alert('x')</script>"))
        #expect(!page.contains("<script>alert"))
        #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
    }

    @Test func theSeedIsNotShownAndRoundsAreRead() {
        let text = "run: r\nrounds: 12 # a dozen\n  seed: 7\nparticipants: [a, b]"
        #expect(!StoreDashboardSource.hidingSeed(text).contains("7"))
        #expect(StoreDashboardSource.plannedRounds(in: text) == 12)
        #expect(StoreDashboardSource.participants(in: text) == ["a", "b"])
    }

    @Test(arguments: ["127.0.0.1:8080", "127.1.2.3:0", "localhost:9", "[::1]:8080"])
    func loopbackAddressesAreAccepted(address: String) throws {
        _ = try DashboardServer.endpoint(parsing: address)
    }

    @Test(arguments: ["0.0.0.0:8080", "10.0.0.5:8080", "example.org:80", "[::]:8080", "127.0.0.1", "1270.0.0.1:80"])
    func otherAddressesAreRefused(address: String) {
        #expect(throws: DashboardError.self) { try DashboardServer.endpoint(parsing: address) }
    }

    @Test func metricsCountEachCommittedRoundOnce() {
        let metrics = FederationMetrics(traffic: nil)
        _ = metrics.render(Self.snapshot(rounds: 2))
        let text = metrics.render(Self.snapshot(rounds: 3))
        #expect(text.contains("concord_rounds_completed_total 3"), "\(text)")
        #expect(text.contains("concord_round_duration_seconds_count 3"), "\(text)")
        #expect(text.contains("concord_participant_results_total{outcome=\"failed\"} 3"), "\(text)")
        #expect(text.contains("concord_privacy_epsilon_spent 0.75"), "\(text)")
    }
}
