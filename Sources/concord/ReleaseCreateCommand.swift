import ArgumentParser
import ConcordGovernance
import Foundation

/// `concord release create`: the coordinator's signed manifest of a model.
struct ReleaseCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Write a release manifest for a model, signed by the coordinator.",
        discussion: """
            The audit log must verify against the charter and be sealed. The rounds and each participant's ε are \
            read from the log (its round_configured and last epsilon_spent entries).
            """)

    @Option(help: "The model file (safetensors); its exact bytes are hashed.")
    var model: String

    @Option(help: "The charter (YAML).")
    var charter: String

    @Option(parsing: .upToNextOption, help: "Detached charter signature files.")
    var charterSignatures: [String] = []

    @Option(help: "The run's sealed audit log (JSON lines).")
    var audit: String

    @Option(help: "The coordinator's private key file.")
    var key: String

    @Option(help: "A final metric as NAME=VALUE (repeatable), e.g. accuracy=0.97.")
    var metric: [String] = []

    @Option(help: "Where to write the release.")
    var out: String

    @OptionGroup var keyPermissions: KeyPermissionOptions

    func run() throws {
        let charter = try GovernanceFiles.charter(self.charter, signatures: charterSignatures)
        let problems = charter.verifySignatures()
        guard problems.isEmpty else {
            throw GovernanceFailure("the charter is not in force: \(problems.joined(separator: "; "))")
        }
        let identity = try KeyFile.readIdentity(
            at: key, allowInsecurePermissions: keyPermissions.allowInsecureKeyPermissions)
        guard identity.publicKey == charter.coordinator.publicKey else {
            throw GovernanceFailure("\(key) is not the coordinator's key in the charter")
        }
        let logData = try GovernanceFiles.read(audit, what: "audit log")
        let report = AuditVerifier.verify(jsonLines: logData, keys: charter.trustedKeys)
        guard report.isValid, let head = report.head else {
            throw GovernanceFailure("the audit log does not verify: \(report)")
        }
        let log = try AuditLog(jsonLines: logData)
        var metrics: [String: Double] = [:]
        for text in metric {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]), value.isFinite else {
                throw ValidationError("--metric '\(text)': expected NAME=NUMBER, e.g. accuracy=0.97")
            }
            metrics[parts[0]] = value
        }
        let rounds = log.entries.filter { $0.kind == .roundConfigured }.count
        var epsilon: [String: Double] = [:]
        if let last = log.entries.last(where: { $0.kind == .epsilonSpent }),
            let spent = last.payload["participants"]?.objectValue
        {
            epsilon = spent.compactMapValues(\.realValue)
        }
        let modelBytes = try GovernanceFiles.read(model, what: "model file")
        let manifest = ReleaseManifest(
            federation: charter.federation, charterHash: charter.hash, modelBytes: modelBytes, auditHead: head,
            rounds: rounds, epsilonSpent: epsilon, metrics: metrics)
        let release = try SignedRelease(manifest: manifest, coordinator: charter.coordinator.name, identity: identity)
        try GovernanceFiles.write(Data(release.fileText.utf8), to: out)
        print(
            "wrote \(out): release of model \(manifest.modelHash.prefix(16))… (\(rounds) rounds, log head "
                + "\(head.hash.prefix(16))…); needs \(charter.releaseQuorum) participant co-signatures")
    }
}
