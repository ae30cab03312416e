import ArgumentParser
import ConcordStore

/// `concord run pause|resume|stop`: an operator's control of a run, through its store.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Pause, resume or stop a run that `concord serve` is running, through its store.",
        discussion: """
            The request is written to the SQLite store; the coordinator reads it between rounds (a round in \
            progress always completes). Whoever may write the store (mode 0600: its owner) may steer the run; \
            nothing listens on the network for it.
            """,
        subcommands: [RunPauseCommand.self, RunResumeCommand.self, RunStopCommand.self])
}

/// The options every `concord run` subcommand takes.
struct RunTarget: ParsableArguments {
    @Option(help: ArgumentHelp("The coordinator's store (the configuration's 'store').", valueName: "path"))
    var store: String

    @Option(name: .customLong("run"), help: "The run (needed when the store holds several).")
    var runName: String?

    /// Records `control` for the run, refusing a run that is over; returns the run.
    func request(_ control: RunControl?) throws -> StoredRun {
        let database = try RunSelection.open(store: store)
        let run = try RunSelection.choose(runName, in: database)
        if run.state == .finished {
            throw ValidationErrorMessage("run '\(run.name)' is finished; there is nothing to pause, resume or stop")
        }
        try database.requestControl(run: run.id, control)
        return run
    }
}

/// `concord run pause`.
struct RunPauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Hold the run before its next round, its nodes connected.")

    @OptionGroup var target: RunTarget

    func run() throws {
        let run = try target.request(.pause)
        print(
            "asked run '\(run.name)' to pause: its coordinator holds it after the round in progress "
                + "(`concord status` shows it paused); `concord run resume` continues it")
    }
}

/// `concord run resume`.
struct RunResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Withdraw a pause: the coordinator goes on with the next round.")

    @OptionGroup var target: RunTarget

    func run() throws {
        let run = try target.request(nil)
        print(
            "asked run '\(run.name)' to resume; if no coordinator is serving it (it was stopped), start "
                + "`concord serve` with its configuration again")
    }
}

/// `concord run stop`.
struct RunStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "End the coordinator after the round in progress; `concord serve` resumes the run later.")

    @OptionGroup var target: RunTarget

    func run() throws {
        let run = try target.request(.stop)
        print(
            "asked run '\(run.name)' to stop: its coordinator exits after the round in progress, and "
                + "`concord serve` with the same configuration resumes it where it stopped")
    }
}
