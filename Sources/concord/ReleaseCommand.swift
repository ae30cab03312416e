import ArgumentParser

/// `concord release`: signed model releases.
struct ReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Create, co-sign and verify a model release.",
        discussion: """
            A release manifest states the model's SHA-256 (over the exact safetensors bytes), the charter's hash, \
            the sealed audit log's head, the rounds, the ε each participant spent and the final metrics. The \
            coordinator signs it; it is accepted once the charter's quorum of participants has co-signed:
              concord release create --model m.safetensors --charter c.yaml --audit log.jsonl --key coord.key --out r.json
              concord release sign --release r.json --charter c.yaml --key a.key --model m.safetensors
              concord release verify --release r.json --model m.safetensors --charter c.yaml --audit log.jsonl
            """,
        subcommands: [ReleaseCreateCommand.self, ReleaseSignCommand.self, ReleaseVerifyCommand.self]
    )
}
