import ArgumentParser
import ConcordFederation
import ConcordGovernance
import Foundation

/// The governance flags of `concord simulate`: a charter the run must satisfy and the signed record it writes.
struct GovernanceOptions: ParsableArguments {
    @Option(
        help: """
            A charter in force (YAML, signed by every participant): the run is refused before its first round \
            unless the charter permits it, and every virtual participant enforces it, with its own ε cap. The \
            participants' keys are the simulated keys of --seed (concord charter init --simulated N --seed S).
            """)
    var charter: String?

    @Option(help: "Write the run's hash-chained, signed audit log (JSON lines) here; needs --charter.")
    var auditLog: String?

    func validate() throws {
        if auditLog != nil, charter == nil { throw ValidationError("--audit-log needs --charter") }
    }

    /// The governance of the simulated run (the library's ``SimulatedGovernance``), or nil without a charter.
    func load(request: RunRequest, participants: Int, seed: UInt64) throws -> SimulatedGovernance? {
        guard let charter else { return nil }
        return try SimulatedGovernance.load(charterAt: charter, request: request, participants: participants, seed: seed)
    }

    /// Seals `governance`'s record, writing it to `--audit-log` when given; returns each participant's own ε.
    func finish(_ governance: SimulatedGovernance, records: [RoundRecord], model: Parameters) async throws
        -> [String: Double]
    {
        let (lines, spent) = try await governance.finish(records: records, model: model)
        if let auditLog {
            try GovernanceFiles.write(lines, to: auditLog)
            print(
                "wrote the audit log to \(auditLog) (\(await governance.recorder.log.entries.count) entries, sealed)")
        }
        return spent
    }
}
