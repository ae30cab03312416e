import ArgumentParser
import ConcordGovernance
import Foundation

/// `concord charter verify`: whether a charter is in force.
struct CharterVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that every participant has validly signed the charter; exit 1 naming what is missing.")

    @Option(help: "The charter (YAML).")
    var charter: String

    @Option(parsing: .upToNextOption, help: "Detached signature files (from `concord charter sign --out`).")
    var signatures: [String] = []

    @Flag(help: "Print one JSON object instead of sentences.")
    var json = false

    struct Report: Encodable {
        var charter: String
        var inForce: Bool
        var problems: [String]
        var signed: [String]

        enum CodingKeys: String, CodingKey {
            case charter, inForce = "in_force", problems, signed
        }
    }

    func run() throws {
        let charter = try GovernanceFiles.charter(self.charter, signatures: signatures)
        let problems = charter.verifySignatures()
        if json {
            print(
                try GovernanceFiles.json(
                    Report(
                        charter: charter.hash, inForce: problems.isEmpty, problems: problems,
                        signed: charter.signatures.keys.sorted())))
        } else if problems.isEmpty {
            print("charter \(charter.hash) is in force: all \(charter.participants.count) participants signed")
        } else {
            print("charter \(charter.hash) is NOT in force:")
            for problem in problems { print("  - \(problem)") }
        }
        if !problems.isEmpty { throw ExitCode(1) }
    }
}
