import ConcordFederation
import Foundation

extension SimulateCommand {
    /// Prints a progress bar while participants answer and one line per finished round.
    ///
    /// - Returns: a task whose value is the reason the run ended.
    static func showProgress(of events: AsyncStream<RoundEvent>, rounds: Int, started: Date) -> Task<String, Never> {
        let display = ProgressDisplay(plainUpdates: false)
        return Task {
            var best = 0.0
            for await event in events {
                switch event {
                case .participantFinished(let round, _, _, let done, let total):
                    display.update(
                        label: "round \(round)/\(rounds)", done: done, total: total,
                        status: String(format: "best %.2f%%  %.0fs", best * 100, Date().timeIntervalSince(started)))
                case .roundFinished(let record):
                    var line =
                        "round \(record.round)/\(rounds): \(record.succeeded)/\(record.sampled.count) participants"
                    if let epsilon = record.metrics["epsilon"] { line += String(format: ", ε %.3g", epsilon) }
                    if let evaluation = record.evaluation {
                        best = max(best, evaluation.accuracy)
                        line += String(
                            format: ", test accuracy %.2f%%, loss %.4f", evaluation.accuracy * 100, evaluation.loss)
                        if let binary = evaluation.binary { line += Self.describe(binary) }
                    }
                    let elapsed = Date().timeIntervalSince(started)
                    let remaining = elapsed / Double(record.round) * Double(rounds - record.round)
                    line += String(format: ", %.1fs elapsed, ≤%.0fs to go", elapsed, remaining)
                    if !record.failures.isEmpty { line += ", \(record.failures.count) failed" }
                    if let error = record.error { line += "; \(error)" }
                    display.finish(line)
                case .runFinished(_, let reason):
                    return reason
                case .roundStarted:
                    break
                }
            }
            return ""
        }
    }
}
