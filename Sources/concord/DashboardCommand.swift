import ArgumentParser
import ConcordServer
import ConcordStore
import Foundation

/// `concord dashboard`: the web dashboard and /metrics of a run in a store, running or finished.
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve the web dashboard and Prometheus /metrics of a run from its store (read-only).",
        discussion: """
            Shows what `concord serve --dashboard` shows, read from the SQLite store: a finished run, or one that \
            another process is serving (the page follows the store as rounds commit). Listens on loopback only; \
            from another machine, use an SSH tunnel. Runs until interrupted.
            """)

    @Option(help: ArgumentHelp("The coordinator's store (the configuration's 'store').", valueName: "path"))
    var store: String

    @Option(name: .customLong("run"), help: "The run to show (needed when the store holds several).")
    var runName: String?

    @Option(
        help: ArgumentHelp("Listen here (loopback only; port 0 picks a free one).", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @Option(help: ArgumentHelp("Once listening, write the port to this file.", valueName: "path"))
    var portFile: String?

    func validate() throws {
        do {
            _ = try DashboardServer.endpoint(parsing: listen)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let database = try RunSelection.open(store: store)
        let stored = try RunSelection.choose(runName, in: database)
        let source = StoreDashboardSource(store: database, run: stored.name)
        let endpoint = try DashboardServer.endpoint(parsing: listen)
        let server = try await DashboardServer.start(on: endpoint, source: source, traffic: nil)
        if let portFile { try DashboardOptions.writePort(server.port, to: portFile) }
        printLine(
            "concord dashboard: run '\(stored.name)' on http://\(endpoint.host):\(server.port)/ (metrics at /metrics)")
        await server.wait()
    }
}

/// Opens a store that must exist and picks one of its runs, for the commands that read or steer a run.
enum RunSelection {
    /// The store at `path`, which must exist (these commands never create one).
    static func open(store path: String) throws -> SQLiteRunStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationErrorMessage("no store at '\(path)'; give the path of the configuration's 'store'")
        }
        return try SQLiteRunStore(path: path)
    }

    /// The run called `name`, or the store's only run when no name is given.
    ///
    /// - Throws: ``DashboardError`` when there is no such run, or several and none was named.
    static func choose(_ name: String?, in store: SQLiteRunStore) throws -> StoredRun {
        let runs = try store.runs()
        if let name {
            guard let run = runs.first(where: { $0.name == name }) else {
                throw DashboardError.noSuchRun(name, available: runs.map(\.name))
            }
            return run
        }
        guard runs.count == 1, let only = runs.first else {
            if runs.isEmpty { throw ValidationErrorMessage("the store has no runs yet") }
            throw DashboardError.whichRun(available: runs.map(\.name))
        }
        return only
    }
}
