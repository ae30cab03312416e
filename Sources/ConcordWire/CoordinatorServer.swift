import ConcordFederation
import GRPCCore
import GRPCNIOTransportHTTP2

/// The coordinator's gRPC endpoint: serves `concord.v1.Federation` on one address until stopped.
public final class CoordinatorServer: Sendable {
    /// The participants, for the ``Coordinator``.
    public let registry: ParticipantRegistry
    /// The port the server listens on (the system's pick when it was asked for port 0).
    public let port: Int
    /// The payload bytes sent to and received from nodes since the server started.
    public let traffic: WireTraffic
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let connections: ConnectionGuard

    /// Binds `host:port` (port 0 picks a free one) and prepares the service; ``serve()`` starts it.
    ///
    /// The socket is bound here, before anything else is done, so that a taken port is reported at once.
    /// - Throws: ``WireError/cannotListen(endpoint:reason:)`` ("address already in use", "permission
    ///   denied", "unknown host"), or ``WireError/security(_:)`` for TLS files that cannot be read or a CA
    ///   certificate that may not issue certificates.
    public init(
        host: String, port: Int, security: WireSecurity, registry: ParticipantRegistry, settings: ServiceSettings,
        onEvent: @escaping @Sendable (SessionEvent) -> Void
    ) throws(WireError) {
        try security.checkFiles()
        var settings = settings
        var certificates: CertificateAdmission?
        switch security {
        case .insecure: settings.requiresCertificates = false
        case .mutualTLS(_, _, let ca, _): certificates = try CertificateAdmission(caPath: ca)
        }
        let socket = try ListeningSocket(Endpoint(host: host, port: port))
        self.registry = registry
        self.port = socket.port
        let connections = ConnectionGuard(limits: settings.connectionLimits, onEvent: onEvent)
        self.connections = connections
        let traffic = WireTraffic()
        self.traffic = traffic
        let transport = HTTP2ServerTransport.Posix(
            listeningSocketDescriptor: Int(socket.take()), transportSecurity: security.server,
            config: .defaults { config in
                // A chunk is 1 MiB; anything much larger is not Concord's and is refused unread.
                config.rpc.maxRequestPayloadSize = Self.maxMessageBytes
                config.channelDebuggingCallbacks.onAcceptTCPConnection = { connections.accepted($0) }
                config.channelDebuggingCallbacks.onAcceptHTTP2Stream = { connections.streamOpened($0) }
            })
        let service = FederationService(
            registry: registry, settings: settings, traffic: traffic, onEvent: onEvent, certificates: certificates)
        server = GRPCServer(transport: transport, services: [service])
    }

    /// The largest single message accepted: one chunk plus its envelope, with room to spare.
    public static let maxMessageBytes = 4 << 20

    /// Connections accepted that have not opened a gRPC stream yet.
    public var pendingConnections: Int { connections.pendingCount }

    /// Serves until ``stop()`` or the task is cancelled.
    public func serve() async throws { try await server.serve() }

    /// Tells every connected node that the run is over (`reason`), so nodes leave instead of reconnecting.
    public func farewell(_ reason: String) {
        for participant in registry.participants { participant.sayFarewell(reason) }
    }

    /// Ends every node's session without a farewell, so that nodes keep reconnecting: to a coordinator started
    /// again on this port, which resumes the run (an operator's stop).
    public func hangUp() {
        for participant in registry.participants { participant.hangUp() }
    }

    /// Stops accepting connections and lets open sessions end.
    public func stop() { server.beginGracefulShutdown() }

    /// Shuts down gracefully and waits for `serving` (the task running ``serve()``) to end; after `grace`
    /// it is cancelled (see ``GracefulShutdown``).
    public func shutDown(serving: Task<Void, any Error>, grace: Duration = .seconds(5)) async {
        await GracefulShutdown.shutDown(server, serving: serving, grace: grace)
    }
}
