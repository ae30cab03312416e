import ConcordFederation
import Foundation
import Synchronization
import Testing
import X509

@testable import ConcordWire

/// A node whose TLS cannot work (another CA, an expired coordinator certificate, TLS on one side only) says so,
/// names the cause, and gives up after a few tries; the coordinator logs each refused handshake with the address.
@Suite("TLS failures")
struct TLSFailureTests {
    enum Mismatch: String, CaseIterable, CustomTestStringConvertible {
        case nodeTrustsAnotherCA, expiredCoordinatorCertificate, nodeCertificateFromAnotherCA, plaintextNode,
            plaintextCoordinator
        var testDescription: String { rawValue }

        /// What the node's message must say.
        var nodeSays: String {
            switch self {
            case .nodeTrustsAnotherCA: "certificate signed by an unknown authority"
            case .expiredCoordinatorCertificate: "expired certificate"
            case .nodeCertificateFromAnotherCA: "the coordinator refused this node's certificate"
            case .plaintextNode: "it probably requires TLS, and this node runs without it (--insecure)"
            case .plaintextCoordinator: "it probably runs without TLS (--insecure) while this node uses TLS"
            }
        }

        /// What the coordinator's event must say, after "TLS handshake failed: ".
        var coordinatorSays: String {
            switch self {
            case .nodeTrustsAnotherCA, .expiredCoordinatorCertificate: "the node refused this coordinator's certificate"
            case .nodeCertificateFromAnotherCA: "the node's certificate does not verify against the federation CA"
            case .plaintextNode: "the peer does not speak TLS"
            case .plaintextCoordinator: "the peer began a TLS handshake, but this coordinator runs without TLS"
            }
        }
    }

    /// A coordinator certificate from `ca` that expired an hour ago, written with the CA into `folder`.
    static func expiredCoordinator(ca: FederationCA, in folder: URL) throws -> PKIDirectory {
        let now = Date()
        let identity = try ca.issue(
            name: "coordinator",
            alternativeNames: [.dnsName("coordinator"), try SubjectHost.generalName("127.0.0.1")],
            usages: [.serverAuth, .clientAuth], notValidBefore: now.addingTimeInterval(-7200),
            notValidAfter: now.addingTimeInterval(-3600))
        let directory = PKIDirectory(path: folder.appendingPathComponent("expired").path)
        try directory.write(ca: ca, coordinator: identity, nodes: [])
        return directory
    }

    @Test(
        "the node names the TLS cause and stops after its tries; the coordinator logs the handshake",
        arguments: Mismatch.allCases)
    func mismatch(_ mismatch: Mismatch) async throws {
        let folder = try WireFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pki = try WireFixtures.pki(in: folder, nodes: HostilePeerTests.names)
        let other = try WireFixtures.pki(in: folder.appendingPathComponent("other"), nodes: HostilePeerTests.names)
        func tls(_ directory: PKIDirectory, node: PKIDirectory? = nil, trusting: PKIDirectory? = nil) -> WireSecurity {
            guard let node else {
                return .mutualTLS(
                    certificate: directory.coordinatorCertificatePath, privateKey: directory.coordinatorPrivateKeyPath,
                    trustedCA: (trusting ?? directory).caCertificatePath)
            }
            return .mutualTLS(
                certificate: node.nodeCertificatePath("alpha"), privateKey: node.nodePrivateKeyPath("alpha"),
                trustedCA: (trusting ?? directory).caCertificatePath)
        }
        let coordinator: WireSecurity, node: WireSecurity
        switch mismatch {
        case .nodeTrustsAnotherCA: (coordinator, node) = (tls(pki), tls(pki, node: pki, trusting: other))
        case .expiredCoordinatorCertificate:
            (coordinator, node) = (
                tls(try Self.expiredCoordinator(ca: try pki.loadCA(), in: folder)), tls(pki, node: pki)
            )
        case .nodeCertificateFromAnotherCA: (coordinator, node) = (tls(pki), tls(pki, node: other, trusting: pki))
        case .plaintextNode: (coordinator, node) = (tls(pki), .insecure)
        case .plaintextCoordinator: (coordinator, node) = (.insecure, tls(pki, node: pki))
        }
        let server = try await RunningServer(names: HostilePeerTests.names, model: "logreg", security: coordinator)
        let lines = LineLog()
        let settings = NodeSettings(
            host: "127.0.0.1", port: server.port, name: "alpha", security: node,
            data: WireFixtures.dataset(count: 10, seed: 1), initialBackoff: .milliseconds(50),
            maxBackoff: .milliseconds(200), maxTLSFailures: 3)
        let started = ContinuousClock.now
        let outcome = await Self.run(Node(settings: settings, log: { lines.append($0) }), timeout: .seconds(30))
        guard case .failure(WireError.security(let message)) = outcome else {
            Issue.record("the node did not give up on TLS: \(outcome); it logged \(lines.all)")
            await server.stop()
            return
        }
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(message.contains("after 3 failed TLS handshakes in a row: TLS handshake failed: "), "\(message)")
        #expect(message.contains(mismatch.nodeSays), "\(message)")
        if case .mutualTLS = node {
            #expect(message.contains("SHA-256 fingerprint"), "\(message)")
        }
        #expect(lines.all.count == 2 && lines.all.allSatisfy { $0.contains(mismatch.nodeSays) }, "\(lines.all)")

        // The coordinator's side, with the node's address.
        var reasons: [String] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while reasons.isEmpty, ContinuousClock.now < deadline {
            reasons = server.events.all.compactMap { event -> String? in
                guard case .connectionClosed(let peer, let reason) = event, peer.hasPrefix("127.0.0.1:") else {
                    return nil
                }
                return reason
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!reasons.isEmpty && reasons.allSatisfy { $0.hasPrefix("TLS handshake failed: ") }, "\(reasons)")
        #expect(reasons.contains { $0.contains(mismatch.coordinatorSays) }, "\(reasons)")
        await server.stop()
    }

    @Test("a coordinator that is not up yet is waited for, however long: refused connections are not TLS failures")
    func coordinatorNotUp() async throws {
        let folder = try WireFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pki = try WireFixtures.pki(in: folder, nodes: HostilePeerTests.names)
        let port = try Self.unusedPort()
        let lines = LineLog()
        let node = Node(
            settings: NodeSettings(
                host: "127.0.0.1", port: port, name: "alpha",
                security: .mutualTLS(
                    certificate: pki.nodeCertificatePath("alpha"), privateKey: pki.nodePrivateKeyPath("alpha"),
                    trustedCA: pki.caCertificatePath),
                data: WireFixtures.dataset(count: 10, seed: 1), initialBackoff: .milliseconds(20),
                maxBackoff: .milliseconds(40), maxTLSFailures: 2),
            log: { lines.append($0) })
        let outcome = await Self.run(node, timeout: .seconds(2))
        if let outcome { Issue.record("the node stopped waiting for the coordinator: \(outcome)") }
        #expect(lines.all.count >= 5 && !lines.all.contains { $0.contains("TLS") }, "\(lines.all)")
    }

    /// A port nothing listens on: taken for a moment, then released.
    static func unusedPort() throws -> Int {
        try ListeningSocket(Endpoint(host: "127.0.0.1", port: 0)).port
    }

    /// Runs `node` for at most `timeout`: its result, or nil when it was still running.
    static func run(_ node: Node, timeout: Duration) async -> Result<String, any Error>? {
        await withTaskGroup(of: Result<String, any Error>?.self) { group in
            group.addTask {
                do { return .success(try await node.run()) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
    }
}

/// Lines a node logged, readable from a test.
final class LineLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
