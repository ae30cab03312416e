import Synchronization

/// The coordinator's payload traffic since it started: the bytes of parameters and masked vectors (the chunks)
/// sent to nodes and received from them. Counted with atomics on the paths that move the bytes, and read by
/// whoever reports them (`/metrics`), so the wire layer needs no metrics or HTTP library.
public final class WireTraffic: Sendable {
    private let sentBytes = Atomic<UInt64>(0)
    private let receivedBytes = Atomic<UInt64>(0)

    /// A counter at zero.
    public init() {}

    /// Payload bytes written to nodes so far.
    public var sent: UInt64 { sentBytes.load(ordering: .relaxed) }

    /// Payload bytes read from nodes so far (late replies, discarded, included).
    public var received: UInt64 { receivedBytes.load(ordering: .relaxed) }

    /// Counts `count` bytes written.
    func didSend(_ count: Int) { sentBytes.wrappingAdd(UInt64(max(count, 0)), ordering: .relaxed) }

    /// Counts `count` bytes read.
    func didReceive(_ count: Int) { receivedBytes.wrappingAdd(UInt64(max(count, 0)), ordering: .relaxed) }
}
