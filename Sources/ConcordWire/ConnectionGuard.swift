import ConcordFederation
import NIOCore
import Synchronization

/// Keeps connections that have not yet become a gRPC stream from holding the coordinator: each has
/// ``ConnectionLimits/handshakeDeadline`` to finish its TCP and TLS handshakes and open its first stream,
/// and at most ``ConnectionLimits/maxPending`` may be waiting at once, at most
/// ``ConnectionLimits/maxPendingPerAddress`` of them from one IP address (so that one flooding host cannot
/// keep the others out); a connection over either cap is closed as soon as it is accepted. Every
/// connection closed this way is reported with its address. What happens after the stream opens (Hello in
/// time, heartbeats) is the service's to watch.
final class ConnectionGuard: Sendable {
    private struct Waiting {
        /// The connections accepted that have not opened a stream yet, with their IP addresses.
        var connections: [ObjectIdentifier: String] = [:]
        /// How many of them each IP address has.
        var perAddress: [String: Int] = [:]

        mutating func remove(_ id: ObjectIdentifier) {
            guard let address = connections.removeValue(forKey: id) else { return }
            perAddress[address, default: 1] -= 1
            if perAddress[address] == 0 { perAddress[address] = nil }
        }
    }

    private let limits: ConnectionLimits
    private let onEvent: @Sendable (SessionEvent) -> Void
    private let pending = Mutex(Waiting())

    init(limits: ConnectionLimits, onEvent: @escaping @Sendable (SessionEvent) -> Void) {
        self.limits = limits
        self.onEvent = onEvent
    }

    /// The number of connections waiting for their first stream now.
    var pendingCount: Int { pending.withLock { $0.connections.count } }

    /// Called by the transport with every accepted TCP connection.
    func accepted(_ channel: any Channel) -> EventLoopFuture<Void> {
        let id = ObjectIdentifier(channel)
        let address = channel.remoteAddress?.ipAddress ?? "an unknown address"
        let peer = channel.remoteAddress?.port.map { "\(address):\($0)" } ?? address
        let limits = self.limits
        let refusal: String? = pending.withLock { waiting in
            if waiting.connections.count >= limits.maxPending {
                return "\(limits.maxPending) connections are already waiting to complete their handshakes"
            }
            if waiting.perAddress[address, default: 0] >= limits.maxPendingPerAddress {
                return "\(limits.maxPendingPerAddress) connections from \(address) are already waiting to complete "
                    + "their handshakes"
            }
            waiting.connections[id] = address
            waiting.perAddress[address, default: 0] += 1
            return nil
        }
        if let refusal {
            onEvent(.connectionClosed(peer: peer, reason: refusal))
            channel.close(promise: nil)
            return channel.eventLoop.makeSucceededVoidFuture()
        }
        channel.closeFuture.whenComplete { _ in self.pending.withLock { $0.remove(id) } }
        HandshakeObserver.install(on: channel, peer: peer, onEvent: onEvent)
        let deadline = limits.handshakeDeadline
        channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(deadline.seconds * 1e9))) {
            guard self.pending.withLock({ $0.connections[id] != nil }) else { return }
            self.onEvent(
                .connectionClosed(
                    peer: peer,
                    reason: "no gRPC stream within \(deadline) of connecting (TLS handshake or HTTP/2 preface not "
                        + "completed)"))
            channel.close(promise: nil)
        }
        return channel.eventLoop.makeSucceededVoidFuture()
    }

    /// Called by the transport with every stream opened: its connection is no longer waiting.
    func streamOpened(_ stream: any Channel) -> EventLoopFuture<Void> {
        if let connection = stream.parent {
            pending.withLock { $0.remove(ObjectIdentifier(connection)) }
        }
        return stream.eventLoop.makeSucceededVoidFuture()
    }
}

/// How long a new connection may take to become a gRPC stream, and how many may be waiting at once.
public struct ConnectionLimits: Sendable, Equatable {
    /// From accepting the TCP connection to its first gRPC stream: the TLS handshake and the HTTP/2 preface.
    public var handshakeDeadline: Duration
    /// Connections that may be waiting for their first stream at once; more are closed at once.
    public var maxPending: Int
    /// Connections from one IP address that may be waiting at once.
    public var maxPendingPerAddress: Int

    /// Creates limits. The defaults leave room for a federation's nodes behind one address (a NAT) and
    /// keep a flood far from the descriptor limit.
    public init(handshakeDeadline: Duration = .seconds(10), maxPending: Int = 512, maxPendingPerAddress: Int = 64) {
        self.handshakeDeadline = handshakeDeadline
        self.maxPending = maxPending
        self.maxPendingPerAddress = maxPendingPerAddress
    }
}
