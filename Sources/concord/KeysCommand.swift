import ArgumentParser
import ConcordGovernance
import Foundation

/// `concord keys`: Ed25519 signing keys for charters, audit logs and releases.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Ed25519 signing keys for charters, audit logs and releases.",
        subcommands: [Generate.self]
    )
}

extension KeysCommand {
    /// `concord keys generate`: a new key pair in two files.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Write a new key pair: PREFIX.key (private, mode 0600) and PREFIX.pub (public).",
            discussion: """
                Each file is two lines: a header naming the kind (concord-ed25519-private-key-v1 or \
                concord-ed25519-public-key-v1) and the base64 of the 32 raw key bytes. Keys come from the system's \
                secure generator. --simulated-seed derives a reproducible key for a SIMULATED participant instead: \
                anyone who knows the seed and name has the private key, so never use it in production.
                """)

        @Option(help: "Path prefix of the two files written (PREFIX.key and PREFIX.pub); existing files are kept.")
        var out: String

        @Option(help: "Derive the simulated key of --name from this seed (NOT FOR PRODUCTION).")
        var simulatedSeed: UInt64?

        @Option(help: "The simulated participant's name (with --simulated-seed), e.g. participant-0 or coordinator.")
        var name: String?

        func validate() throws {
            if (simulatedSeed == nil) != (name == nil) {
                throw ValidationError("--simulated-seed and --name go together")
            }
        }

        func run() throws {
            let identity: SigningIdentity
            if let simulatedSeed, let name {
                identity = .simulated(seed: simulatedSeed, participant: name)
                GovernanceFiles.note("warning: a simulated key, derived from a seed: not for production")
            } else {
                identity = .generate()
            }
            let paths = try KeyFile.write(identity, prefix: out)
            print(
                "wrote \(paths.privateKey) (private: keep it secret) and \(paths.publicKey) "
                    + "(public key \(identity.publicKey.base64), fingerprint \(identity.publicKey.fingerprint))")
        }
    }
}
