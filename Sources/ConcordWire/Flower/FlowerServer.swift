import ConcordFederation
import GRPCCore
import GRPCNIOTransportHTTP2

/// The coordinator's second listener: serves Flower's legacy `flwr.proto.FlowerService` so that unmodified
/// Flower clients join the same federation as Concord's nodes, as participants of the same registry.
///
/// TLS is server-side only, with the coordinator's certificate from the federation's CA (a Flower client
/// passes that CA as `root_certificates`); clients prove their names with ``FlowerTokens`` instead of a
/// client certificate. The message limit follows the model (Flower's own limit is 2 GiB; gRPC's default
/// 4 MiB is too small for a model of 20 MB), and the server pings idle connections so that a client that
/// vanished is found out and its stream closed, as a dropped participant.
public final class FlowerServer: Sendable {
    /// The port the listener is bound to (the system's pick when it was asked for port 0).
    public let port: Int
    private let server: GRPCServer<HTTP2ServerTransport.Posix>

    /// Binds `host:port` and prepares the service; ``serve()`` starts it.
    ///
    /// - Parameters:
    ///   - security: the coordinator's own; with mutual TLS its certificate and key serve TLS here, without
    ///     asking the client for a certificate. `.insecure` serves plaintext.
    ///   - maxMessageBytes: the largest message accepted (a `FitRes` holds the whole model).
    /// - Throws: ``WireError/cannotListen(endpoint:reason:)`` or ``WireError/security(_:)``.
    public init(
        host: String, port: Int, security: WireSecurity, registry: ParticipantRegistry, settings: FlowerSettings,
        maxMessageBytes: Int, onEvent: @escaping @Sendable (SessionEvent) -> Void
    ) throws(WireError) {
        try security.checkFiles()
        let transportSecurity: HTTP2ServerTransport.Posix.TransportSecurity
        switch security {
        case .insecure: transportSecurity = .plaintext
        case .mutualTLS(let certificate, let key, _, _):
            transportSecurity = .tls(
                certificateChain: [.file(path: certificate, format: .pem)], privateKey: .file(path: key, format: .pem))
        }
        let socket = try ListeningSocket(Endpoint(host: host, port: port))
        self.port = socket.port
        let transport = HTTP2ServerTransport.Posix(
            listeningSocketDescriptor: Int(socket.take()), transportSecurity: transportSecurity,
            config: .defaults { config in
                config.rpc.maxRequestPayloadSize = maxMessageBytes
                config.connection.keepalive = .init(
                    time: .seconds(30), timeout: .seconds(20),
                    clientBehavior: .init(minPingIntervalWithoutCalls: .seconds(10), allowWithoutCalls: true))
            })
        server = GRPCServer(
            transport: transport,
            services: [FlowerService(registry: registry, settings: settings, onEvent: onEvent)])
    }

    /// The message limit for a model of `scalars` parameters: room for the model as `.npy` float64 tensors
    /// (a client may send doubles) plus headers, never below gRPC's 4 MiB default nor above Flower's 2 GiB.
    public static func maxMessageBytes(forScalars scalars: Int) -> Int {
        min(max(4 << 20, scalars * 8 + (1 << 20)), Int(Int32.max))
    }

    /// Serves until ``stop()`` or the task is cancelled.
    public func serve() async throws { try await server.serve() }

    /// Stops accepting connections and lets open streams end.
    public func stop() { server.beginGracefulShutdown() }

    /// Shuts down gracefully and waits for `serving` to end; after `grace` it is cancelled.
    public func shutDown(serving: Task<Void, any Error>, grace: Duration = .seconds(5)) async {
        await GracefulShutdown.shutDown(server, serving: serving, grace: grace)
    }
}
