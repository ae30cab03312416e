import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to a server on 127.0.0.1, from a chosen loopback source address: it sends only
/// what a test writes to its descriptor, so it can be an idle peer or a garbage-sending one.
public final class LoopbackConnection: Sendable {
    /// The socket; a test writes to it what the peer should send.
    public let descriptor: Int32

    /// Connects to 127.0.0.1:`port` from the loopback address `source` (127.0.0.2 keeps a flood apart from
    /// the nodes on 127.0.0.1).
    ///
    /// - Throws: a `POSIXError` when the socket cannot be bound or connected.
    public init(port: Int, from source: String) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        remote.sin_port = UInt16(port).bigEndian
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, size) }
        }
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, size) }
        }
        guard bound == 0, connected == 0 else {
            let code = errno
            close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }

    /// Whether the server has closed the connection (looks without waiting).
    public var isClosed: Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 0) == 1 else { return false }
        var byte: UInt8 = 0
        return recv(descriptor, &byte, 1, Int32(MSG_PEEK)) <= 0
    }

    deinit { close(descriptor) }
}
