import ConcordFederation
import ConcordWire
import Foundation

/// The lines the coordinator logs for each round.
extension FederationRun {
    /// "; failed: NAME (reason), …" for a round's failures, by participant name; empty when none failed.
    static func failed(_ record: RoundRecord, _ registry: ParticipantRegistry) -> String {
        guard !record.failures.isEmpty else { return "" }
        let names = record.failures.map { "\(name(of: $0.participant, registry)) (\($0.reason))" }
        return "; failed: " + names.joined(separator: ", ")
    }

    /// A participant's name in the registry.
    static func name(of participant: Int, _ registry: ParticipantRegistry) -> String {
        registry.participants.indices.contains(participant)
            ? registry.participants[participant].name : "participant \(participant)"
    }

    /// The line logged for a committed round: who answered, the test accuracy, ε so far, who failed, how long.
    static func summary(_ record: RoundRecord, of rounds: Int, _ registry: ParticipantRegistry) -> String {
        var line = "round \(record.round)/\(rounds): \(record.succeeded) of \(record.sampled.count) answered"
        if let evaluation = record.evaluation {
            line += String(format: ", test accuracy %.2f%%, loss %.4f", evaluation.accuracy * 100, evaluation.loss)
        }
        if let epsilon = record.metrics["epsilon"] { line += String(format: ", ε = %.3f so far", epsilon) }
        if let reported = record.recordEpsilon {
            let names = reported.sorted { $0.key < $1.key }.map {
                name(of: $0.key, registry) + String(format: " %.3f", $0.value)
            }
            line += ", record-level ε by node (their own accountants): " + names.joined(separator: ", ")
        }
        return line + failed(record, registry) + String(format: " [%.2f s]", record.seconds)
    }
}
