import Foundation
import Testing

/// Real processes on 127.0.0.1: `concord serve` and three `concord node`s over mutual TLS, on MNIST.
@Suite("A real federation of processes", .serialized)
struct FederationProcessTests {
    static let names = ["alpha", "beta", "gamma"]

    /// A folder with the federation's PKI, the participants' MNIST partitions and a configuration.
    struct Federation {
        let folder: URL

        init() async throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("concord-fed-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let pki = try await Concord.run([
                "certs", "init", "--out", path("pki"), "--nodes", names.joined(separator: ","),
            ])
            #expect(pki.status == 0, "\(pki.stderr)")
            let partition = try await Concord.run([
                "partition", "--names", names.joined(separator: ","), "--out", path("data"), "--seed", "1",
            ])
            #expect(partition.status == 0, "\(partition.stderr)")
        }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        /// Writes a configuration of `rounds` rounds of `model`; `extra` lines are appended. Without
        /// `minFitResults`, the default (half of those sampled) holds.
        func configure(
            rounds: Int, model: String = "mlp", minFitResults: Int? = 3, extra: String = ""
        ) throws
            -> String
        {
            let text = """
                run: test
                model: \(model)
                rounds: \(rounds)
                local_epochs: 1
                batch_size: 50
                learning_rate: 0.1
                fraction: 1.0
                \(minFitResults.map { "min_fit_results: \($0)" } ?? "")
                round_deadline_seconds: 120
                wait_timeout_seconds: 2
                heartbeat_seconds: 1
                seed: 1
                participants: [\(names.joined(separator: ", "))]
                listen: 127.0.0.1:0
                store: run.sqlite
                tls: {ca: pki/ca.pem, certificate: pki/coordinator.pem, private_key: pki/coordinator-key.pem}
                \(extra)
                """
            try text.write(toFile: path("federation.yaml"), atomically: true, encoding: .utf8)
            return path("federation.yaml")
        }

        /// Starts `concord serve` on the port the system picks (or on `port`, to restart where the nodes
        /// look), with `arguments` added, and waits for the port it writes.
        func serve(
            log: String, port: Int? = nil, arguments: [String] = []
        ) async throws
            -> (process: BackgroundProcess, port: Int)
        {
            let portFile = path("port-\(log)")
            let process = try BackgroundProcess(
                [
                    "serve", "--config", path("federation.yaml"), "--save", path("final.safetensors"), "--port-file",
                    portFile,
                ]
                    + (port.map { ["--listen", "127.0.0.1:\($0)"] } ?? []) + arguments,
                log: folder.appendingPathComponent(log))
            let listening = try #require(
                await process.waitForFile(portFile, timeout: 120), "serve never listened: \(process.output)")
            let bound = try #require(Int(listening.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(process.output.contains("listening on 127.0.0.1:\(bound) "), "\(process.output)")
            return (process, bound)
        }

        func node(_ name: String, port: Int, log: String? = nil, arguments: [String] = []) throws -> BackgroundProcess {
            try BackgroundProcess(
                [
                    "node", "--server", "127.0.0.1:\(port)", "--data", path("data/\(name)"), "--name", name,
                    "--pki", path("pki"),
                ] + arguments, log: folder.appendingPathComponent(log ?? "node-\(name).log"))
        }

        /// What `concord simulate` makes of the same seed and partition: the reference.
        func simulate(rounds: Int, model: String = "mlp") async throws -> Data {
            let result = try await Concord.run([
                "simulate", "--model", model, "--clients", "3", "--fraction", "1", "--local-epochs", "1",
                "--batch-size", "50", "--lr", "0.1", "--rounds", "\(rounds)", "--partition", "iid", "--seed", "1",
                "--save", path("simulated.safetensors"),
            ])
            #expect(result.status == 0, "\(result.stderr)")
            return try Data(contentsOf: URL(fileURLWithPath: path("simulated.safetensors")))
        }

        func finalModel() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path("final.safetensors"))) }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    @Test("three nodes over mutual TLS match the simulation bit for bit, also after kill -9 of the coordinator")
    func trainsAndSurvivesCoordinatorKill() async throws {
        let federation = try await Federation()
        defer { federation.remove() }
        let reference = try await federation.simulate(rounds: 8)

        _ = try federation.configure(rounds: 8)
        var (coordinator, port) = try await federation.serve(log: "serve-1.log")
        let nodes = try Self.names.map { try federation.node($0, port: port) }
        // kill -9 at a random moment of the run, then start it again with the same configuration, on the
        // port the nodes know.
        #expect(
            await coordinator.killMidRun(after: Int.random(in: 1...6), of: 8, timeout: 120), "\(coordinator.output)")
        #expect(!coordinator.output.contains("round 8/8"), "the run ended before the kill; the test proves nothing")
        (coordinator, port) = try await federation.serve(log: "serve-2.log", port: port)
        #expect(await coordinator.wait(timeout: 240) == 0, "\(coordinator.output)")
        #expect(coordinator.output.contains("resuming run 'test' after round"), "\(coordinator.output)")
        #expect(try federation.finalModel() == reference, "the resumed run's final model differs from the simulation's")
        for node in nodes {
            #expect(await node.wait(timeout: 30) == 0, "\(node.output)")
            #expect(node.output.contains("is over"))
        }
    }

    @Test("a node killed mid-round: the round completes with the others, and the node rejoins after restart")
    func survivesNodeKill() async throws {
        let federation = try await Federation()
        defer { federation.remove() }
        // Every round waits for all three to be connected, so round 2 starts at once with gamma in it.
        _ = try federation.configure(rounds: 3, minFitResults: 2)
        let (coordinator, port) = try await federation.serve(log: "serve.log")
        let alpha = try federation.node("alpha", port: port), beta = try federation.node("beta", port: port)
        var gamma = try federation.node("gamma", port: port)
        #expect(await coordinator.waitFor("round 1/3", timeout: 120), "\(coordinator.output)")
        try await Task.sleep(for: .milliseconds(300))  // into round 2
        gamma.kill()
        #expect(await coordinator.waitFor("round 2/3: 2 of 3 answered", timeout: 120), "\(coordinator.output)")
        gamma = try federation.node("gamma", port: port, log: "node-gamma-2.log")
        #expect(await coordinator.wait(timeout: 240) == 0, "\(coordinator.output)")
        let output = coordinator.output
        #expect(output.contains("round 3/3: 3 of 3 answered"), "\(output)")
        #expect(output.components(separatedBy: "gamma: connected").count == 3, "gamma should have joined twice")
        for node in [alpha, beta, gamma] {
            #expect(await node.wait(timeout: 30) == 0, "\(node.output)")
            #expect(node.output.contains("is over"), "\(node.output)")
        }
        let status = try await Concord.run(["status", "--store", federation.path("run.sqlite")])
        #expect(status.stdout.contains("run 'test': finished"), "\(status.stdout)")
    }
}
