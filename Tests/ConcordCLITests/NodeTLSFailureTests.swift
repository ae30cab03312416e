import Foundation
import Testing

/// Real processes: a `concord node` that trusts another federation's CA stops with the TLS cause instead of
/// retrying for ever, and `concord serve` logs the refused handshake with the node's address.
@Suite("concord node: TLS failures")
struct NodeTLSFailureTests {
    @Test("a node given another federation's CA exits 2 naming the unknown authority; serve logs the handshake")
    func anotherFederationsCA() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concord-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        for pki in ["pki", "other"] {
            let made = try await Concord.run(["certs", "init", "--out", path(pki), "--nodes", "alpha"])
            #expect(made.status == 0, "\(made.stderr)")
        }
        let partition = try await Concord.run(["partition", "--names", "alpha", "--out", path("data"), "--seed", "1"])
        #expect(partition.status == 0, "\(partition.stderr)")
        try """
        run: test
        model: logreg
        rounds: 1
        heartbeat_seconds: 1
        participants: [alpha]
        listen: 127.0.0.1:0
        store: run.sqlite
        tls: {ca: pki/ca.pem, certificate: pki/coordinator.pem, private_key: pki/coordinator-key.pem}
        """.write(toFile: path("federation.yaml"), atomically: true, encoding: .utf8)

        let serve = try BackgroundProcess(
            ["serve", "--config", path("federation.yaml"), "--port-file", path("port")],
            log: folder.appendingPathComponent("serve.log"))
        defer { serve.kill() }
        let listening = try #require(
            await serve.waitForFile(path("port"), timeout: 120), "serve never listened: \(serve.output)")
        let port = try #require(Int(listening.trimmingCharacters(in: .whitespacesAndNewlines)))

        // alpha's own certificate and key, but the other federation's CA as its trust root.
        let started = Date()
        let node = try BackgroundProcess(
            [
                "node", "--server", "127.0.0.1:\(port)", "--data", path("data/alpha"), "--name", "alpha",
                "--certificate", path("pki/nodes/alpha.pem"), "--key", path("pki/nodes/alpha-key.pem"),
                "--ca", path("other/ca.pem"),
            ], log: folder.appendingPathComponent("node.log"))
        let status = await node.wait(timeout: 60)
        #expect(status == 2, "\(node.output)")
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(
            node.output.contains("TLS: gave up on 127.0.0.1:\(port) after 5 failed TLS handshakes"), "\(node.output)")
        #expect(node.output.contains("certificate signed by an unknown authority"), "\(node.output)")
        #expect(node.output.contains("SHA-256 fingerprint"), "\(node.output)")
        #expect(
            await serve.waitFor("closed a connection from 127.0.0.1:", timeout: 10)
                && serve.output.contains("TLS handshake failed: the node refused this coordinator's certificate"),
            "\(serve.output)")
    }
}
