import ArgumentParser
import ConcordGovernance
import Foundation

/// `concord release sign`: a participant's co-signature of a release.
struct ReleaseSignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Co-sign a release as the participant (or coordinator) whose private key is given.",
        discussion: """
            Refuses a release that names another charter, and (with --model) one whose model bytes differ. The \
            signature is added to the release file, or written as a detached signature file with --out.
            """)

    @Option(help: "The release file.")
    var release: String

    @Option(help: "The charter (YAML), to find the signer's name by its key.")
    var charter: String

    @Option(help: "The signer's private key file.")
    var key: String

    @Option(help: "The model file, to check its bytes before signing.")
    var model: String?

    @Option(help: "Write a detached signature here instead of updating the release file.")
    var out: String?

    @OptionGroup var keyPermissions: KeyPermissionOptions

    func run() throws {
        var release = try SignedRelease.read(at: self.release)
        let charter = try Charter.read(at: self.charter)
        guard release.manifest.charterHash == charter.hash else {
            throw GovernanceFailure("the release names another charter (\(release.manifest.charterHash.prefix(16))…)")
        }
        if let model {
            let bytes = try GovernanceFiles.read(model, what: "model file")
            guard SHA256Hex.of(bytes) == release.manifest.modelHash else {
                throw GovernanceFailure("\(model) is not the released model (its SHA-256 differs); not signing")
            }
        }
        let identity = try KeyFile.readIdentity(
            at: key, allowInsecurePermissions: keyPermissions.allowInsecureKeyPermissions)
        let name: String
        if identity.publicKey == charter.coordinator.publicKey {
            name = charter.coordinator.name
        } else if let participant = charter.participants.first(where: { $0.publicKey == identity.publicKey }) {
            name = participant.name
        } else {
            throw GovernanceFailure("\(key) is neither the coordinator's nor any participant's key in the charter")
        }
        if let out {
            let detached = try SignedRelease.detachedSignature(of: release.manifest, as: name, with: identity)
            try GovernanceFiles.write(Data(detached.fileText.utf8), to: out)
            print("wrote \(out): \(name)'s signature of release \(release.manifest.hash.prefix(16))…")
        } else {
            try release.sign(as: name, with: identity)
            try GovernanceFiles.write(Data(release.fileText.utf8), to: self.release)
            print("signed \(self.release) as \(name)")
        }
    }
}
