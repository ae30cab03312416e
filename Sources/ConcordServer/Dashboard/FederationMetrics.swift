import ConcordWire
import Prometheus
import Synchronization

/// `/metrics`: a run's figures in Prometheus's text format (swift-prometheus), from the same snapshots the
/// dashboard shows, so what Prometheus scrapes matches the store: rounds completed, the round-duration
/// histogram, participants connected, answered and failed, ε spent and its budget, the current test accuracy
/// and loss, and (while a coordinator runs) the payload bytes it sent and received.
///
/// Counters and the histogram only grow: each scrape adds what was committed since the last one.
public final class FederationMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let traffic: WireTraffic?
    private let roundsCompleted: Counter
    private let roundDuration: ValueHistogram
    private let connected: Gauge
    private let sampled: Gauge
    private let answered: Gauge
    private let failed: Gauge
    private let answeredTotal: Counter
    private let failedTotal: Counter
    private let bytesIn: Counter
    private let bytesOut: Counter
    private let epsilon: Gauge
    private let epsilonBudget: Gauge
    private let accuracy: Gauge
    private let loss: Gauge
    private let counted = Mutex((rounds: 0, bytesIn: UInt64(0), bytesOut: UInt64(0)))

    /// The upper bounds of the round-duration histogram's buckets, in seconds.
    public static let durationBuckets: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]

    /// The metric `concord_NAME`, with its help text.
    private static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "concord", metricName: name, unitName: "", helpText: help)
    }

    /// Metrics for one run; `traffic` is the coordinator's wire traffic, nil when no coordinator runs here.
    public init(traffic: WireTraffic?) {
        self.traffic = traffic
        let r = registry
        roundsCompleted = r.makeCounter(
            descriptor: Self.name("rounds_completed_total", "Rounds committed to the store."))
        roundDuration = r.makeValueHistogram(
            descriptor: Self.name("round_duration_seconds", "Wall seconds of each committed round."),
            buckets: Self.durationBuckets)
        connected = r.makeGauge(descriptor: Self.name("participants_connected", "Participants connected now."))
        sampled = r.makeGauge(
            descriptor: Self.name("round_participants_sampled", "Participants sampled in the last committed round."))
        answered = r.makeGauge(
            descriptor: Self.name("round_participants_answered", "Results aggregated in the last committed round."))
        failed = r.makeGauge(
            descriptor: Self.name("round_participants_failed", "Participants that failed in the last committed round."))
        // One family per name, its series told apart by a label: both series must carry the same help text.
        let results = Self.name(
            "participant_results_total", "Participants' results over all committed rounds, by outcome.")
        answeredTotal = r.makeCounter(descriptor: results, labels: [("outcome", "answered")])
        failedTotal = r.makeCounter(descriptor: results, labels: [("outcome", "failed")])
        let payload = Self.name(
            "payload_bytes_total", "Payload bytes (parameters, masked vectors) received from and sent to nodes.")
        bytesIn = r.makeCounter(descriptor: payload, labels: [("direction", "in")])
        bytesOut = r.makeCounter(descriptor: payload, labels: [("direction", "out")])
        epsilon = r.makeGauge(descriptor: Self.name("privacy_epsilon_spent", "ε spent so far (differential privacy)."))
        epsilonBudget = r.makeGauge(descriptor: Self.name("privacy_epsilon_budget", "The run's ε budget (0: none)."))
        accuracy = r.makeGauge(
            descriptor: Self.name("test_accuracy", "Central test accuracy of the last evaluated round, in [0, 1]."))
        loss = r.makeGauge(descriptor: Self.name("test_loss", "Central test loss of the last evaluated round."))
    }

    /// Brings the metrics up to `snapshot` and renders them in Prometheus's text exposition format.
    public func render(_ snapshot: DashboardSnapshot) -> String {
        let bytes = (traffic?.received ?? 0, traffic?.sent ?? 0)
        let (newRounds, newIn, newOut) = counted.withLock { counted in
            let start = min(counted.rounds, snapshot.rounds.count)
            let fresh = Array(snapshot.rounds[start...])
            let deltas = (bytes.0 &- min(counted.bytesIn, bytes.0), bytes.1 &- min(counted.bytesOut, bytes.1))
            counted = (snapshot.rounds.count, max(counted.bytesIn, bytes.0), max(counted.bytesOut, bytes.1))
            return (fresh, deltas.0, deltas.1)
        }
        for round in newRounds {
            roundsCompleted.increment()
            roundDuration.record(round.seconds)
            answeredTotal.increment(by: Int64(round.answered))
            failedTotal.increment(by: Int64(round.failed))
        }
        if newIn > 0 { bytesIn.increment(by: Int64(clamping: newIn)) }
        if newOut > 0 { bytesOut.increment(by: Int64(clamping: newOut)) }
        connected.set(Double(snapshot.connectedCount))
        if let last = snapshot.rounds.last {
            sampled.set(Double(last.sampled))
            answered.set(Double(last.answered))
            failed.set(Double(last.failed))
        }
        epsilon.set(snapshot.epsilonSpent ?? 0)
        epsilonBudget.set(snapshot.epsilonBudget ?? 0)
        if let evaluated = snapshot.rounds.last(where: { $0.accuracy != nil }) {
            accuracy.set(evaluated.accuracy ?? 0)
            loss.set(evaluated.loss ?? 0)
        }
        return registry.emitToString()
    }
}
