import ArgumentParser
import ConcordGovernance
import Foundation

/// `concord charter`: the signed rules of a federation.
struct CharterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charter",
        abstract: "Write, sign, verify and show a federation's charter.",
        discussion: """
            A charter (YAML, schema concord.charter/v1) names the federation, the coordinator's key, each \
            participant (name, id, key, ε cap), the permitted tasks, the privacy floor and the release quorum. Every \
            participant signs its canonical encoding (Docs/governance-encoding.md); it is in force once all have:
              concord charter init --out charter.yaml --coordinator-key coord.pub --participant a=a.pub ...
              concord charter sign --charter charter.yaml --key a.key --out a.sig
              concord charter verify --charter charter.yaml --signatures a.sig b.sig
            """,
        subcommands: [CharterInitCommand.self, CharterSignCommand.self, CharterVerifyCommand.self, Show.self]
    )
}

extension CharterCommand {
    /// `concord charter show`: a charter's content and hash.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Print a charter's content, hash and signature status.")

        @Option(help: "The charter (YAML).")
        var charter: String

        @Option(parsing: .upToNextOption, help: "Detached signature files to attach.")
        var signatures: [String] = []

        @Flag(help: "Print the canonical JSON that participants sign (the exact bytes, then a newline).")
        var canonical = false

        func run() throws {
            let charter = try GovernanceFiles.charter(self.charter, signatures: signatures)
            if canonical {
                print(charter.canonicalValue.canonicalText)
                return
            }
            print("federation \(charter.federation)")
            print("charter hash \(charter.hash)")
            print("coordinator \(charter.coordinator.name) (\(charter.coordinator.publicKey.fingerprint))")
            for participant in charter.participants {
                let signed = charter.signatures[participant.name] == nil ? "unsigned" : "signed"
                print(
                    "participant \(participant.id) \(participant.name) (\(participant.publicKey.fingerprint)), "
                        + "ε cap \(participant.epsilonCap), \(signed)")
            }
            for (i, task) in charter.tasks.enumerated() {
                print(
                    "task \(i): \(task.model) (layout \(task.layoutHash.prefix(16))…), strategies "
                        + "\(task.strategies.joined(separator: ", ")), at most \(task.maxRounds) rounds")
            }
            let privacy = charter.privacy
            print(
                "privacy floor: secure aggregation \(privacy.secureAggregationRequired ? "required" : "optional"), "
                    + "noise multiplier ≥ \(privacy.minNoiseMultiplier), δ ≤ \(privacy.maxDelta), "
                    + "ε ≤ \(privacy.maxEpsilon)")
            print("release quorum \(charter.releaseQuorum) of \(charter.participants.count)")
            let problems = charter.verifySignatures()
            print(problems.isEmpty ? "in force" : "NOT in force: \(problems.joined(separator: "; "))")
        }
    }
}
