import ConcordFederation
import NIOCore
import NIOSSL
import NIOTLS

/// Reports a connection whose TLS handshake fails, with the peer's address, as
/// ``SessionEvent/connectionClosed(peer:reason:)`` with a reason starting "TLS handshake failed": without it the
/// coordinator would drop such a node silently while the node retries.
///
/// With TLS it sits just after the TLS handler, where the handshake's errors pass; the gRPC handlers further on
/// swallow them. Without TLS it sits first and looks at the first bytes: a TLS ClientHello means a node that uses
/// TLS against a coordinator that does not.
final class HandshakeObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let peer: String
    private let onEvent: @Sendable (SessionEvent) -> Void
    private let watchesTLS: Bool
    private var reported = false
    private var sawFirstBytes = false

    private init(peer: String, watchesTLS: Bool, onEvent: @escaping @Sendable (SessionEvent) -> Void) {
        self.peer = peer
        self.watchesTLS = watchesTLS
        self.onEvent = onEvent
    }

    /// Adds an observer to an accepted connection's pipeline; called on the channel's event loop.
    static func install(on channel: any Channel, peer: String, onEvent: @escaping @Sendable (SessionEvent) -> Void) {
        let pipeline = channel.pipeline.syncOperations
        if let tls = try? pipeline.handler(type: NIOSSLServerHandler.self) {
            try? pipeline.addHandler(
                HandshakeObserver(peer: peer, watchesTLS: true, onEvent: onEvent), position: .after(tls))
        } else {
            try? pipeline.addHandler(
                HandshakeObserver(peer: peer, watchesTLS: false, onEvent: onEvent), position: .first)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !watchesTLS, !sawFirstBytes {
            sawFirstBytes = true
            // A TLS record starts with its content type, 22 (0x16) for a handshake; HTTP/2 starts with "PRI".
            let bytes = unwrapInboundIn(data)
            if bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) == 0x16 {
                report(
                    "TLS handshake failed: the peer began a TLS handshake, but this coordinator runs without TLS "
                        + "(--insecure)")
            }
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Errors after the handshake (a node that vanishes, say) are not handshake failures.
        if case .handshakeCompleted = event as? TLSUserEvent { reported = true }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if watchesTLS, let failure = TLSFailure.atCoordinator(error) { report("\(failure)") }
        context.fireErrorCaught(error)
    }

    private func report(_ reason: String) {
        guard !reported else { return }
        reported = true
        onEvent(.connectionClosed(peer: peer, reason: reason))
    }
}
