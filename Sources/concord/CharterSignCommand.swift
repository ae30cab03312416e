import ArgumentParser
import ConcordGovernance
import Foundation

/// `concord charter sign`: a participant's signature over a charter.
struct CharterSignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a charter as the participant whose private key is given.",
        discussion: """
            The signature covers the charter's canonical encoding (everything but its signatures:), so read the \
            charter before signing: `concord charter show --charter FILE`. It is written as a detached signature \
            file (--out), or added to the charter's signatures: section (--in-place, which rewrites the YAML and \
            drops its comments).
            """)

    @Option(help: "The charter (YAML).")
    var charter: String

    @Option(help: "The participant's private key file.")
    var key: String

    @Option(help: "Where to write the detached signature.")
    var out: String?

    @Flag(help: "Add the signature to the charter file itself instead.")
    var inPlace = false

    @OptionGroup var keyPermissions: KeyPermissionOptions

    func validate() throws {
        guard (out == nil) != !inPlace else { throw ValidationError("give exactly one of --out and --in-place") }
    }

    func run() throws {
        var charter = try Charter.read(at: self.charter)
        let identity = try KeyFile.readIdentity(
            at: key, allowInsecurePermissions: keyPermissions.allowInsecureKeyPermissions)
        let detached = try charter.sign(with: identity)
        if let out {
            try GovernanceFiles.write(Data(detached.fileText.utf8), to: out)
            print("wrote \(out): \(detached.signer)'s signature of charter \(detached.documentHash)")
        } else {
            try charter.attach(detached)
            try GovernanceFiles.write(Data(charter.yamlText.utf8), to: self.charter)
            print("signed \(self.charter) as \(detached.signer) (charter \(detached.documentHash))")
        }
    }
}
