import ArgumentParser

/// `concord audit`: the tamper-evident audit log of a federation's runs.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify a signed, hash-chained audit log (or write an example one).",
        discussion: """
            An audit log is JSON lines, one canonical JSON entry per line: index, timestamp, kind, payload, the \
            previous entry's hash, the coordinator's signature and the participants' receipts, ending with a signed \
            seal. `concord audit verify` names the first entry that fails and why.
            """,
        subcommands: [AuditVerifyCommand.self, AuditExportCommand.self, AuditExampleCommand.self]
    )
}
