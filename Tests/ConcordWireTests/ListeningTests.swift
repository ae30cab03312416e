import Foundation
import Testing

@testable import ConcordWire

@Suite("Listening: a taken port or an unknown host is refused at once, port 0 picks one")
struct ListeningTests {
    static func server(host: String = "127.0.0.1", port: Int) throws(WireError) -> CoordinatorServer {
        try CoordinatorServer(
            host: host, port: port, security: .insecure,
            registry: try ParticipantRegistry(names: ["alpha"], model: "logreg"),
            settings: ServiceSettings(run: "test", exampleShape: [4, 4, 1], classCount: 3), onEvent: { _ in })
    }

    @Test("port 0: the system picks a free port, which the server reports before it serves")
    func portZero() throws {
        let first = try Self.server(port: 0), second = try Self.server(port: 0)
        #expect(first.port > 0 && second.port > 0)
        #expect(first.port != second.port)
    }

    @Test("a port another listener holds: 'address already in use', naming the address")
    func taken() throws {
        let holder = try Self.server(port: 0)
        #expect(
            throws: WireError.cannotListen(
                endpoint: "127.0.0.1:\(holder.port)", reason: ListeningSocket.describe(EADDRINUSE))
        ) {
            _ = try Self.server(port: holder.port)
        }
        #expect(
            WireError.cannotListen(endpoint: "127.0.0.1:7443", reason: ListeningSocket.describe(EADDRINUSE))
                .description
                == "cannot listen on 127.0.0.1:7443: address already in use (another process listens on that port)")
    }

    @Test("a host that does not resolve, or an address that is not this machine's")
    func badHost() throws {
        #expect {
            _ = try Self.server(host: "no-such-host.invalid", port: 0)
        } throws: { error in
            guard case WireError.cannotListen(let endpoint, let reason) = error else { return false }
            return endpoint == "no-such-host.invalid:0" && reason.hasPrefix("unknown host 'no-such-host.invalid'")
        }
        // TEST-NET-1 (RFC 5737) is never a local address, unless the kernel lets anything be bound.
        let nonlocal = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_nonlocal_bind", encoding: .utf8)
        guard nonlocal?.hasPrefix("0") ?? true else { return }
        #expect(
            throws: WireError.cannotListen(endpoint: "192.0.2.1:0", reason: ListeningSocket.describe(EADDRNOTAVAIL))
        ) {
            _ = try Self.server(host: "192.0.2.1", port: 0)
        }
    }

    @Test("the errors a person meets are said in their usual words", arguments: [EADDRINUSE, EACCES, EADDRNOTAVAIL])
    func words(code: Int32) {
        let expected = [
            EADDRINUSE: "address already in use", EACCES: "permission denied",
            EADDRNOTAVAIL: "cannot assign the address",
        ]
        #expect(ListeningSocket.describe(code).hasPrefix(expected[code] ?? "?"))
    }

    @Test("an IPv6 address in brackets is listened on")
    func ipv6() throws {
        // Not every sandbox has IPv6 on loopback; when it has none there is nothing to check.
        guard let server = try? Self.server(host: "[::1]", port: 0) else { return }
        #expect(server.port > 0)
    }
}
