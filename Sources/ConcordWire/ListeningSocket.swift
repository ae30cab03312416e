#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A TCP socket bound and listening on an ``Endpoint``, opened before the gRPC server starts so that a
/// port that is taken, a privileged port or a host that does not resolve is reported at once, in words a
/// person can act on, and so that the port the system picked for port 0 is known before anything else
/// happens.
struct ListeningSocket: ~Copyable {
    /// The listening descriptor, until ``take()`` hands it on.
    private var descriptor: Int32
    /// The port it listens on (the system's pick when the endpoint asked for 0).
    let port: Int

    #if canImport(Glibc)
        private static let stream = Int32(SOCK_STREAM.rawValue)
    #else
        private static let stream = SOCK_STREAM
    #endif

    /// The length of the queue of connections the kernel has accepted and the server has not yet taken.
    static let backlog: Int32 = 1024

    /// Resolves `endpoint.host`, binds its first address on `endpoint.port` and listens.
    ///
    /// - Throws: ``WireError/cannotListen(endpoint:reason:)``: "address already in use", "permission
    ///   denied", "unknown host …", and the system's words for anything else.
    init(_ endpoint: Endpoint) throws(WireError) {
        let name = "\(endpoint.host):\(endpoint.port)"
        func failure(_ reason: String) -> WireError { .cannotListen(endpoint: name, reason: reason) }

        // "[::1]" is how an IPv6 address is written before a port; the resolver wants it bare.
        var host = endpoint.host
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Self.stream
        hints.ai_flags = AI_PASSIVE
        var found: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(endpoint.port), &hints, &found)
        guard resolved == 0, let first = found else {
            throw failure("unknown host '\(host)' (\(String(cString: gai_strerror(resolved))))")
        }
        defer { freeaddrinfo(found) }
        let info = first.pointee

        let descriptor = socket(info.ai_family, Self.stream, 0)
        guard descriptor >= 0 else { throw failure(Self.describe(errno)) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        var yes: Int32 = 1
        guard setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size)) == 0,
            bind(descriptor, info.ai_addr, info.ai_addrlen) == 0, listen(descriptor, Self.backlog) == 0
        else {
            let code = errno
            close(descriptor)
            throw failure(Self.describe(code))
        }
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else {
            let code = errno
            close(descriptor)
            throw failure(Self.describe(code))
        }
        self.descriptor = descriptor
        port = Self.port(of: address)
    }

    /// Hands the descriptor to its new owner (the server transport), which closes it.
    consuming func take() -> Int32 {
        let descriptor = self.descriptor
        self.descriptor = -1
        return descriptor
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// The few errors a person starting a server meets, in their usual words; the system's for the rest.
    static func describe(_ code: Int32) -> String {
        switch code {
        case EADDRINUSE: "address already in use (another process listens on that port)"
        case EACCES: "permission denied (ports below 1024 need privileges)"
        case EADDRNOTAVAIL: "cannot assign the address (it is not one of this machine's)"
        default: String(cString: strerror(code))
        }
    }

    private static func port(of address: sockaddr_storage) -> Int {
        var address = address
        let family = Int32(address.ss_family)
        return withUnsafePointer(to: &address) { pointer in
            switch family {
            case AF_INET:
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin_port))
                }
            case AF_INET6:
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            default: 0
            }
        }
    }
}
