import ConcordWire
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The coordinator's web dashboard and `/metrics` (Hummingbird), read-only, on a loopback address.
///
/// - `/`: the page (configuration, rounds with the accuracy and loss chart, participants, ε against the budget,
///   secure-aggregation outcomes), which refreshes its live part from `/live` every two seconds;
/// - `/live`: that part alone; `/api/state`: the snapshot as JSON;
/// - `/metrics`: Prometheus's text format (``FederationMetrics``).
///
/// It has no credentials, so it listens only on loopback (reach it from elsewhere through an SSH tunnel), and
/// answers only requests whose `Host` is a loopback name, so that a web page elsewhere cannot read it through
/// DNS rebinding. It changes nothing: an operator controls a run through the store (`concord run`).
public final class DashboardServer: Sendable {
    /// The port it listens on (the system's pick when asked for port 0).
    public let port: Int
    private let serving: Task<Void, any Error>
    private let group: ServiceGroup

    private init(port: Int, serving: Task<Void, any Error>, group: ServiceGroup) {
        self.port = port
        self.serving = serving
        self.group = group
    }

    /// Reads `HOST:PORT` for the dashboard and checks the host is a loopback address.
    ///
    /// - Throws: ``DashboardError/address(_:reason:)`` for anything else, saying how to reach it remotely.
    public static func endpoint(parsing text: String) throws(DashboardError) -> Endpoint {
        guard let endpoint = Endpoint(parsing: text) else {
            throw .address(text, reason: "expected HOST:PORT, e.g. 127.0.0.1:8080 (port 0 picks a free one)")
        }
        guard isLoopback(endpoint.host) else {
            throw .address(
                text,
                reason: "the dashboard has no login, so it listens only on loopback (127.0.0.1, ::1 or localhost); "
                    + "from another machine use an SSH tunnel: ssh -L 8080:127.0.0.1:PORT coordinator")
        }
        return endpoint
    }

    /// Whether `host` names this machine's loopback interface.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" || bare == "::1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Starts serving `source` on `endpoint` (a loopback address) and returns once it listens.
    ///
    /// - Parameter traffic: the coordinator's wire traffic for `/metrics`, nil when no coordinator runs here.
    /// - Throws: ``DashboardError/address(_:reason:)`` when the address cannot be listened on.
    public static func start(
        on endpoint: Endpoint, source: any DashboardSource, traffic: WireTraffic?
    ) async throws -> DashboardServer {
        guard isLoopback(endpoint.host) else {
            throw DashboardError.address(
                "\(endpoint.host):\(endpoint.port)", reason: "the dashboard listens only on loopback")
        }
        let metrics = FederationMetrics(traffic: traffic)
        let router = Router()
        router.add(middleware: LoopbackHostMiddleware())
        router.get("/") { _, _ in try Self.respond(DashboardPage.page(source.snapshot()), type: "text/html") }
        router.get("/live") { _, _ in try Self.respond(DashboardPage.live(source.snapshot()), type: "text/html") }
        router.get("/api/state") { _, _ in
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.sortedKeys]
            let json = try encoder.encode(source.snapshot())
            return Self.respond(String(decoding: json, as: UTF8.self), type: "application/json")
        }
        router.get("/metrics") { _, _ in
            try Self.respond(metrics.render(source.snapshot()), type: "text/plain; version=0.0.4")
        }
        // The first of: the port, once it listens, or the error that kept it from listening.
        let (started, report) = AsyncStream<Result<Int, any Error>>.makeStream(bufferingPolicy: .bufferingNewest(1))
        var logger = Logger(label: "concord.dashboard")
        logger.logLevel = .error
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(endpoint.host, port: endpoint.port), serverName: "concord"),
            onServerRunning: { channel in report.yield(.success(channel.localAddress?.port ?? endpoint.port)) },
            logger: logger)
        // Run in a group of its own, without signal handlers (the process's signals are not the dashboard's), so
        // that ``stop()`` can shut it down gracefully.
        let group = ServiceGroup(services: [application], logger: logger)
        let serving = Task {
            do {
                try await group.run()
                report.finish()
            } catch {
                report.yield(.failure(error))
                throw error
            }
        }
        for await outcome in started {
            switch outcome {
            case .success(let port): return DashboardServer(port: port, serving: serving, group: group)
            case .failure(let error):
                throw DashboardError.address(
                    "\(endpoint.host):\(endpoint.port)", reason: "cannot listen there (\(error))")
            }
        }
        throw DashboardError.address("\(endpoint.host):\(endpoint.port)", reason: "the server ended before it listened")
    }

    /// Stops serving and waits until it has.
    public func stop() async {
        await group.triggerGracefulShutdown()
        // Waits for the server to close, at most two seconds, then cancels it: a connection kept open must not
        // hold the process.
        let closed = await withTaskGroup(of: Bool.self) { waiting in
            waiting.addTask { [serving] in
                _ = await serving.result
                return true
            }
            waiting.addTask {
                try? await Task.sleep(for: .seconds(2))
                return false
            }
            defer { waiting.cancelAll() }
            return await waiting.next() ?? false
        }
        if !closed {
            serving.cancel()
            _ = await serving.result
        }
    }

    /// Serves until the task waiting here is cancelled (`concord dashboard`).
    public func wait() async {
        await withTaskCancellationHandler {
            _ = await serving.result
        } onCancel: { [serving] in
            serving.cancel()
        }
    }

    /// Nothing is loaded from elsewhere, and nothing is guessed from content.
    private static let securityHeaders = [
        ("X-Content-Type-Options", "nosniff"),
        (
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'"
        ),
    ]

    private static func respond(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type.hasPrefix("text/html") ? "text/html; charset=utf-8" : type
        headers[.cacheControl] = "no-store"
        for (name, value) in securityHeaders {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
