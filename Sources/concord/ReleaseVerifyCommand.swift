import ArgumentParser
import ConcordGovernance
import Foundation

/// `concord release verify`: whether a release is accepted.
struct ReleaseVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Accept a release only with the charter's quorum of valid signatures over the exact model bytes.",
        discussion:
            "With --audit, the audit log must also verify and end exactly at the release's head. Exit 1 otherwise.")

    @Option(help: "The release file.")
    var release: String

    @Option(help: "The model file (safetensors).")
    var model: String

    @Option(help: "The charter (YAML).")
    var charter: String

    @Option(parsing: .upToNextOption, help: "Detached charter signature files.")
    var charterSignatures: [String] = []

    @Option(parsing: .upToNextOption, help: "Detached release signature files (from `concord release sign --out`).")
    var signatures: [String] = []

    @Option(help: "The run's audit log, checked against the release's head.")
    var audit: String?

    @Flag(help: "Print one JSON object instead of sentences.")
    var json = false

    struct Report: Encodable {
        var accepted: Bool
        var problems: [String]
        var signers: [String]
        var quorum: Int
        var participants: Int
        var model: String
        var audit: String?
    }

    func run() throws {
        let charter = try GovernanceFiles.charter(self.charter, signatures: charterSignatures)
        var release = try SignedRelease.read(at: self.release)
        for path in signatures {
            do {
                try release.attach(DetachedSignature.read(at: path))
            } catch {
                throw GovernanceFailure("\(path): \(error)")
            }
        }
        let modelBytes = try GovernanceFiles.read(model, what: "model file")
        var verdict = ReleaseVerifier.verify(release, modelBytes: modelBytes, charter: charter)
        var auditSummary: String?
        if let audit {
            let report = AuditVerifier.verify(
                jsonLines: try GovernanceFiles.read(audit, what: "audit log"), keys: charter.trustedKeys,
                expectedHead: release.manifest.auditHead)
            auditSummary = report.description
            if let failure = report.failure { verdict.problems.append("the audit log does not verify: \(failure)") }
        }
        if json {
            print(
                try GovernanceFiles.json(
                    Report(
                        accepted: verdict.accepted, problems: verdict.problems, signers: verdict.validParticipants,
                        quorum: verdict.quorum, participants: verdict.participantCount,
                        model: release.manifest.modelHash, audit: auditSummary)))
        } else {
            print(verdict.description)
            if let auditSummary { print(auditSummary) }
        }
        if !verdict.accepted { throw ExitCode(1) }
    }
}
