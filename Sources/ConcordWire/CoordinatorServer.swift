import ConcordFederation
import GRPCCore
import GRPCNIOTransportHTTP2

/// The coordinator's gRPC endpoint: serves `concord.v1.Federation` on one address until stopped.
public final class CoordinatorServer: Sendable {
    /// The participants, for the ``Coordinator``.
    public let registry: ParticipantRegistry
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let transport: HTTP2ServerTransport.Posix

    /// Prepares a server on `host:port` (port 0 picks a free one).
    public init(
        host: String, port: Int, security: WireSecurity, registry: ParticipantRegistry, settings: ServiceSettings,
        onEvent: @escaping @Sendable (SessionEvent) -> Void
    ) throws(WireError) {
        try security.checkFiles()
        var settings = settings
        if case .insecure = security { settings.requiresCertificates = false }
        self.registry = registry
        transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: host, port: port), transportSecurity: security.server,
            config: .defaults { config in
                // A chunk is 1 MiB; anything much larger is not Concord's and is refused unread.
                config.rpc.maxRequestPayloadSize = Self.maxMessageBytes
            })
        server = GRPCServer(
            transport: transport,
            services: [FederationService(registry: registry, settings: settings, onEvent: onEvent)])
    }

    /// The largest single message accepted: one chunk plus its envelope, with room to spare.
    public static let maxMessageBytes = 4 << 20

    /// Serves until ``stop()`` or the task is cancelled.
    public func serve() async throws { try await server.serve() }

    /// The port the server listens on, once it does.
    public func port() async throws -> Int {
        guard let address = try await transport.listeningAddress.ipv4 else {
            throw WireError.security("the server did not bind an IPv4 address")
        }
        return address.port
    }

    /// Tells every connected node that the run is over (`reason`), so nodes leave instead of reconnecting.
    public func farewell(_ reason: String) {
        for participant in registry.participants { participant.sayFarewell(reason) }
    }

    /// Stops accepting connections and lets open sessions end.
    public func stop() { server.beginGracefulShutdown() }

    /// Shuts down gracefully and waits for `serving` (the task running ``serve()``) to end; after `grace`
    /// it is cancelled. Cancelling first would be abrupt, and NIO traps when a serve task is cancelled
    /// while it still holds accepted connections it has not handled.
    public func shutDown(serving: Task<Void, any Error>, grace: Duration = .seconds(5)) async {
        stop()
        let ended = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = await serving.result
                return true
            }
            group.addTask {
                try? await Task.sleep(for: grace)
                return false
            }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
        if !ended {
            serving.cancel()
            _ = await serving.result
        }
    }
}
