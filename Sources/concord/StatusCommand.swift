import ArgumentParser
import ConcordStore
import Foundation

/// `concord status`: what a coordinator's store says about its runs.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Show a coordinator's runs: state (running, paused and why, finished, failed and why), rounds, participants.",
        discussion: "Reads the SQLite store `concord serve` writes (safe while it runs).")

    @Option(help: ArgumentHelp("The coordinator's store (the configuration's 'store').", valueName: "path"))
    var store: String

    @Option(name: .customLong("run"), help: "Show only this run.")
    var only: String?

    func run() throws {
        guard FileManager.default.fileExists(atPath: store) else {
            throw ValidationErrorMessage("no store at '\(store)'")
        }
        let database = try SQLiteRunStore(path: store)
        let runs = try database.runs().filter { only == nil || $0.name == only }
        if runs.isEmpty { print("no runs" + (only.map { " named '\($0)'" } ?? "")) }
        for stored in runs {
            print(
                "run '\(stored.name)': \(stored.state.rawValue)" + (stored.reason.map { " (\($0))" } ?? "")
                    + ", \(stored.completedRounds) rounds committed, updated \(stored.updatedAt)")
            if let last = try database.rounds(run: stored.id).last(where: { $0.evaluation != nil }),
                let evaluation = last.evaluation
            {
                print(String(format: "  test accuracy %.2f%% after round %d", evaluation.accuracy * 100, last.round))
            }
            let exclusions = try database.exclusions(run: stored.id)
            let failures = Dictionary(
                try database.participantFailures(run: stored.id).map { ($0.participant, $0) }, uniquingKeysWith: { $1 })
            for status in try database.participantStatuses(run: stored.id) {
                print("  \(status.participant): \(status.kind.rawValue) at \(status.at): \(status.detail)")
                if let failure = failures[status.participant], failure.kind != status.kind || failure.at != status.at {
                    print("    last \(failure.kind == .refused ? "refused" : "failed") at \(failure.at): \(failure.detail)")
                }
                if let exclusion = exclusions[status.participant] { print("    excluded from the run: \(exclusion)") }
            }
        }
    }
}
