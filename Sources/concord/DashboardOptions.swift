import ArgumentParser
import ConcordServer
import ConcordWire
import Foundation

/// `--dashboard HOST:PORT` and `--dashboard-port-file PATH`, shared by `serve` and `simulate`.
struct DashboardOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Serve the web dashboard and Prometheus /metrics here (loopback only; port 0 picks a free one).",
            valueName: "host:port"))
    var dashboard: String?

    @Option(
        help: ArgumentHelp("Once the dashboard listens, write its port to this file.", valueName: "path"))
    var dashboardPortFile: String?

    func validate() throws {
        if let dashboard {
            do {
                _ = try DashboardServer.endpoint(parsing: dashboard)
            } catch {
                throw ValidationError(error.description)
            }
        }
        if dashboardPortFile != nil, dashboard == nil {
            throw ValidationError("--dashboard-port-file needs --dashboard")
        }
    }

    /// The dashboard asked for, which writes its port file once it listens.
    func request() throws -> DashboardRequest? {
        guard let dashboard else { return nil }
        let endpoint = try DashboardServer.endpoint(parsing: dashboard)
        let portFile = dashboardPortFile
        return DashboardRequest(endpoint: endpoint) { port in
            if let portFile { try Self.writePort(port, to: portFile) }
        }
    }

    /// Writes `port` to `path` (atomically), or says which file could not be written.
    static func writePort(_ port: Int, to path: String) throws {
        do {
            try Data("\(port)\n".utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ValidationErrorMessage("cannot write the port to \(path): \(error.localizedDescription)")
        }
    }
}
