import ArgumentParser
import ConcordGovernance
import Foundation

/// `concord audit example`: a complete example record of a simulated federation.
struct AuditExampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example",
        abstract: "Write an example governance record of a simulated federation (SIMULATED KEYS: not for production).",
        discussion: """
            Writes to DIR: charter.yaml (signed by every participant), charter.json (its canonical encoding), \
            audit.jsonl (a sealed log with receipts), model.safetensors, release.json (co-signed by a quorum), \
            charter-signatures/NAME.sig (the participants' detached charter signatures) and keys/NAME.key|.pub \
            (the simulated keys). Useful to try the verifiers, and to time them:
              concord audit example --out /tmp/ex --entries 10000
              concord audit verify /tmp/ex/audit.jsonl --charter /tmp/ex/charter.yaml --timing
            """)

    @Option(help: "The directory to write (created if needed).")
    var out: String

    @Option(help: "Rounds of the simulated run.")
    var rounds = 3

    @Option(help: "Make the log at least this long instead (adds rounds).")
    var entries: Int?

    @Option(help: "Participants.")
    var participants = 3

    @Option(help: "The seed of the simulated keys.")
    var seed: UInt64 = 1

    func validate() throws {
        guard (1...1000).contains(participants) else { throw ValidationError("--participants must be in 1...1000") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        if let entries, !(1...10_000_000).contains(entries) {
            throw ValidationError("--entries must be in 1...10000000")
        }
    }

    func run() throws {
        GovernanceFiles.note("warning: simulated keys derived from seed \(seed): not for production")
        var rounds = self.rounds
        if let entries {
            // run_started, model_released and the seal, plus 4 + participants entries per round.
            rounds = max(1, (entries - 3 + participants + 3) / (participants + 4))
        }
        let example = try GovernanceExample.make(
            seed: seed, participantCount: participants, rounds: rounds, quorum: participants / 2 + 1)
        let directory = URL(fileURLWithPath: out)
        for folder in ["keys", "charter-signatures"] {
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        func write(_ name: String, _ data: Data) throws {
            try GovernanceFiles.write(data, to: directory.appendingPathComponent(name).path)
        }
        try write("charter.yaml", Data(example.charter.yamlText.utf8))
        try write("charter.json", Data((example.charter.canonicalValue.canonicalText + "\n").utf8))
        try write("audit.jsonl", example.log.jsonLines)
        try write("model.safetensors", Data(example.model))
        try write("release.json", Data(example.release.fileText.utf8))
        for participant in example.participants {
            let detached = try example.charter.sign(with: participant.identity)
            try write("charter-signatures/\(participant.name).sig", Data(detached.fileText.utf8))
        }
        for (name, identity) in [(GovernanceExample.coordinatorName, example.coordinator)] + example.participants {
            // Private keys (simulated or not) are written owner-only from their first byte.
            try KeyFile.write(identity, prefix: directory.appendingPathComponent("keys/\(name)").path, replacing: true)
        }
        print(
            "wrote \(out): charter \(example.charter.hash.prefix(16))…, audit log of \(example.log.entries.count) "
                + "entries (\(rounds) rounds), model, release co-signed by \(example.release.signatures.count - 1) "
                + "of \(participants)")
    }
}
