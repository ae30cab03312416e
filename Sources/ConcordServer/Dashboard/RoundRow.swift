import ConcordFederation

extension DashboardSnapshot.Round {
    /// The row of a committed round; `name` names participant ids.
    init(_ record: RoundRecord, name: (Int) -> String) {
        var secure: String?
        if let threshold = record.metrics["secagg_threshold"] {
            let neighbours = record.metrics["secagg_neighbours"].map { "k=\(Int($0)), " } ?? ""
            secure =
                record.error == nil
                ? "SecAgg+ \(neighbours)t=\(Int(threshold)): sum of \(record.succeeded)"
                : "SecAgg+ \(neighbours)t=\(Int(threshold)): failed (\(record.error ?? ""))"
        }
        self.init(
            round: record.round, sampled: record.sampled.count, answered: record.succeeded,
            failed: record.failures.count, accuracy: record.evaluation?.accuracy, loss: record.evaluation?.loss,
            epsilon: record.metrics["epsilon"], seconds: record.seconds, secureAggregation: secure,
            failures: record.failures.map { "\(name($0.participant)): \($0.reason)" })
    }
}
