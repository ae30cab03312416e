import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `concord serve` where it cannot listen: a clear message, a non-zero exit, and nothing in the store.
@Suite("concord serve: listening")
struct ServeListenTests {
    static func configure(listen: String, in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("federation.yaml").path
        try """
        run: test
        model: logreg
        rounds: 1
        participants: [alpha]
        listen: \(listen)
        store: run.sqlite
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "concord-listen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Runs `concord serve` listening on `listen` and checks that it exits non-zero with `message` and leaves no
    /// store behind.
    static func expectRefusal(listen: String, message: String) async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try Self.configure(listen: listen, in: folder)
        let result = try await Concord.run(["serve", "--config", config, "--insecure"])
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run.sqlite").path))
    }

    @Test("a port another process holds: 'address already in use', exit 1, no store written")
    func takenPort() async throws {
        let holder = try HeldPort()
        defer { withExtendedLifetime(holder) {} }  // the port stays held until serve has tried it
        try await Self.expectRefusal(
            listen: "127.0.0.1:\(holder.port)",
            message: "cannot listen on 127.0.0.1:\(holder.port): address already in use")
    }

    @Test("a host that does not resolve: 'unknown host', exit 1, no store written")
    func unknownHost() async throws {
        try await Self.expectRefusal(
            listen: "no-such-host.invalid:7443",
            message: "cannot listen on no-such-host.invalid:7443: unknown host 'no-such-host.invalid'")
    }

    @Test("--listen that is not HOST:PORT is a usage error")
    func badListenFlag() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try Self.configure(listen: "127.0.0.1:0", in: folder)
        let result = try await Concord.run(["serve", "--config", config, "--insecure", "--listen", "7443"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--listen must be HOST:PORT"), "\(result.stderr)")
    }

    @Test("--accept-changed for a field that changes the computation is a usage error naming the safe ones")
    func unsafeAcceptChanged() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try Self.configure(listen: "127.0.0.1:0", in: folder)
        let result = try await Concord.run([
            "serve", "--config", config, "--insecure", "--accept-changed", "dp.noise_multiplier",
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--accept-changed dp.noise_multiplier"), "\(result.stderr)")
        #expect(result.stderr.contains("round_deadline_seconds"), "\(result.stderr)")
    }
}

/// A TCP port on 127.0.0.1 held by a listening socket of the test's own, until it is released.
final class HeldPort {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0, listen(descriptor, 1) == 0 else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
