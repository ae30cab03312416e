import ArgumentParser
import ConcordStore
import Foundation

/// `concord audit export`: writes a run's audit log, as the coordinator keeps it in its store, as JSON lines.
struct AuditExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a run's signed audit log from the coordinator's store (JSON lines), to verify or archive.",
        discussion: """
            The coordinator of a run under a charter writes every round's signed entries into its store in the same \
            transaction as the round, so the store's log always ends at a committed round, even after a crash. \
            This writes it out as `concord audit verify` and Tools/verify_concord.py read it. A run still in \
            progress has no seal yet: verify it with --allow-unsealed.
            """)

    @Option(help: ArgumentHelp("The coordinator's run store (SQLite).", valueName: "path"))
    var store: String

    @Option(name: .customLong("run"), help: "The run's name; may be left out when the store holds one run.")
    var runName: String?

    @Option(help: ArgumentHelp("Where to write the log; standard output when left out.", valueName: "path"))
    var out: String?

    func run() throws {
        guard FileManager.default.fileExists(atPath: store) else {
            throw ValidationErrorMessage("there is no store at '\(store)'")
        }
        let runStore = try SQLiteRunStore(path: store)
        let runs = try runStore.runs()
        let chosen: StoredRun
        if let run = runName {
            guard let named = runs.first(where: { $0.name == run }) else {
                throw ValidationErrorMessage(
                    "the store '\(store)' has no run '\(run)' (its runs: \(runs.map(\.name).joined(separator: ", ")))")
            }
            chosen = named
        } else {
            guard runs.count == 1, let only = runs.first else {
                throw ValidationErrorMessage(
                    "the store '\(store)' holds \(runs.count) runs; name one with --run "
                        + "(\(runs.map(\.name).joined(separator: ", ")))")
            }
            chosen = only
        }
        let lines = try runStore.auditLines(run: chosen.id)
        guard !lines.isEmpty else {
            throw ValidationErrorMessage(
                "run '\(chosen.name)' has no audit log: it was not served under a charter with a signing key")
        }
        let data = Data(lines.map { $0 + "\n" }.joined().utf8)
        if let out {
            try data.write(to: URL(fileURLWithPath: out), options: .atomic)
            FileHandle.standardError.write(Data("wrote \(lines.count) entries of run '\(chosen.name)' to \(out)\n".utf8))
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}
