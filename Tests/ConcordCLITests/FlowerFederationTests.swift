import Foundation
import Testing

/// Unmodified Flower clients (the `flwr` package from PyPI, `start_client(transport="grpc-bidi")`) join
/// `concord serve` over TLS with per-participant tokens, on MNIST: Tools/flower/mnist_client.py, a NumPy
/// 784-200-200-10 MLP trained with plain SGD (E=1, B=10, lr 0.1, the FedAvg paper's 2NN).
///
/// Needs python3 with flwr and numpy: `scripts/bootstrap.sh --python` installs them (a pinned flwr range).
@Suite("Flower clients in a Concord federation", .serialized)
struct FlowerFederationTests {
    static let names = ["alpha", "beta", "gamma"]

    /// A folder with the PKI, Flower tokens, MNIST partitions and a configuration.
    struct Federation {
        let folder: URL
        let python: String

        init(flower: [String]) async throws {
            python = try #require(
                ExternalTool.find(["python3"]), "python3 is needed: scripts/bootstrap.sh --python installs flwr")
            let check = try await ExternalTool.run(python, ["-c", "import flwr, numpy"])
            try #require(
                check.status == 0,
                "the Python package flwr is missing: scripts/bootstrap.sh --python installs it (\(check.stderr))")
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("concord-flwr-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let pki = try await Concord.run([
                "certs", "init", "--out", path("pki"), "--nodes", names.joined(separator: ","),
            ])
            #expect(pki.status == 0, "\(pki.stderr)")
            for name in flower {
                let issued = try await Concord.run([
                    "certs", "issue", "--dir", path("pki"), "--node", name, "--flower-token",
                ])
                #expect(issued.status == 0, "\(issued.stderr)")
            }
            let partition = try await Concord.run([
                "partition", "--names", names.joined(separator: ","), "--out", path("data"), "--seed", "1",
            ])
            #expect(partition.status == 0, "\(partition.stderr)")
        }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        func configure(rounds: Int, minFitResults: Int = 3, extra: String = "") throws {
            let text = """
                run: flower
                model: mlp
                rounds: \(rounds)
                local_epochs: 1
                batch_size: 10
                learning_rate: 0.1
                fraction: 1.0
                min_fit_results: \(minFitResults)
                round_deadline_seconds: 300
                wait_timeout_seconds: 5
                heartbeat_seconds: 1
                seed: 1
                participants: [\(names.joined(separator: ", "))]
                listen: 127.0.0.1:0
                flower_listen: 127.0.0.1:0
                flower_token_secret: pki/flower-token-secret
                store: run.sqlite
                tls: {ca: pki/ca.pem, certificate: pki/coordinator.pem, private_key: pki/coordinator-key.pem}
                \(extra)
                """
            try text.write(toFile: path("federation.yaml"), atomically: true, encoding: .utf8)
        }

        /// Starts `concord serve` and waits for both of its ports.
        func serve(arguments: [String] = []) async throws -> (process: BackgroundProcess, port: Int, flowerPort: Int) {
            let process = try BackgroundProcess(
                [
                    "serve", "--config", path("federation.yaml"), "--port-file", path("port"), "--flower-port-file",
                    path("flower-port"),
                ] + arguments, log: folder.appendingPathComponent("serve.log"))
            let port = try #require(
                await process.waitForFile(path("port"), timeout: 120), "serve never listened: \(process.output)")
            let flowerPort = try #require(
                await process.waitForFile(path("flower-port"), timeout: 30), "no Flower listener: \(process.output)")
            return (
                process, try #require(Int(port.trimmingCharacters(in: .whitespacesAndNewlines))),
                try #require(Int(flowerPort.trimmingCharacters(in: .whitespacesAndNewlines)))
            )
        }

        /// An unmodified Flower client, over TLS with the federation's CA.
        func flowerClient(
            _ name: String, port: Int, extra: [String] = [], token: String? = nil, data: String? = nil
        ) throws
            -> BackgroundProcess
        {
            let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Tools/flower/mnist_client.py").path
            return try BackgroundProcess(
                [
                    client, "--server", "127.0.0.1:\(port)", "--name", name, "--token",
                    token ?? path("pki/nodes/\(name).flower-token"), "--ca", path("pki/ca.pem"), "--data",
                    data ?? path("data/\(name)"),
                ] + extra, log: folder.appendingPathComponent("flower-\(name).log"),
                // Flower's telemetry stays off: the tests talk to this machine only. One BLAS thread per client.
                environment: ["FLWR_TELEMETRY_ENABLED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"],
                executable: python)
        }

        func node(_ name: String, port: Int) throws -> BackgroundProcess {
            try BackgroundProcess(
                [
                    "node", "--server", "127.0.0.1:\(port)", "--data", path("data/\(name)"), "--name", name,
                    "--pki", path("pki"),
                ], log: folder.appendingPathComponent("node-\(name).log"))
        }

        /// The final test accuracy `concord simulate` reaches with the same partition, seed and settings.
        func simulatedAccuracy(rounds: Int) async throws -> Double {
            let result = try await Concord.run([
                "simulate", "--model", "mlp", "--clients", "3", "--fraction", "1", "--local-epochs", "1",
                "--batch-size", "10", "--lr", "0.1", "--rounds", "\(rounds)", "--partition", "iid", "--seed", "1",
                "--report", path("simulated.json"),
            ])
            #expect(result.status == 0, "\(result.stderr)")
            let report = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: path("simulated.json"))))
            return try #require((report as? [String: Any])?["final_test_accuracy"] as? Double)
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    /// The last "test accuracy NN.NN%" in `output`, as a fraction.
    static func finalAccuracy(_ output: String) -> Double? {
        guard let range = output.range(of: "final test accuracy ", options: .backwards) else { return nil }
        return Double(output[range.upperBound...].prefix { $0 != "%" }).map { $0 / 100 }
    }

    @Test("three unmodified Flower clients train MNIST as well as the simulation of the same partition (0.5 points)")
    func threeFlowerClients() async throws {
        let federation = try await Federation(flower: Self.names)
        defer { federation.remove() }
        try federation.configure(rounds: 5)
        let (coordinator, _, flowerPort) = try await federation.serve()
        let clients = try Self.names.map { try federation.flowerClient($0, port: flowerPort) }
        #expect(await coordinator.wait(timeout: 600) == 0, "\(coordinator.output)")
        let output = coordinator.output
        for name in Self.names {
            #expect(output.contains("\(name): connected from"), "\(output)")
            #expect(output.contains("(a Flower client)"), "\(output)")
        }
        #expect(output.contains("round 5/5: 3 of 3 answered"), "\(output)")
        for client in clients {
            #expect(await client.wait(timeout: 60) == 0, "\(client.output)")
            #expect(client.output.contains("the coordinator ended the session"), "\(client.output)")
        }
        let served = try #require(Self.finalAccuracy(output), "\(output)")
        let simulated = try await federation.simulatedAccuracy(rounds: 5)
        print("Flower clients: \(served * 100)% after 5 rounds; concord simulate: \(simulated * 100)%")
        #expect(served > 0.9, "\(output)")
        #expect(abs(served - simulated) <= 0.005, "served \(served), simulated \(simulated)")
    }

    @Test("two Flower clients and one concord node train together as well as the simulation (0.5 points)")
    func flowerBesideNode() async throws {
        let federation = try await Federation(flower: ["alpha", "beta"])
        defer { federation.remove() }
        try federation.configure(rounds: 5)
        let (coordinator, port, flowerPort) = try await federation.serve()
        let clients = try ["alpha", "beta"].map { try federation.flowerClient($0, port: flowerPort) }
        let node = try federation.node("gamma", port: port)
        #expect(await coordinator.wait(timeout: 600) == 0, "\(coordinator.output)")
        let output = coordinator.output
        #expect(output.contains("round 5/5: 3 of 3 answered"), "\(output)")
        #expect(await node.wait(timeout: 60) == 0, "\(node.output)")
        for client in clients { #expect(await client.wait(timeout: 60) == 0, "\(client.output)") }
        let served = try #require(Self.finalAccuracy(output), "\(output)")
        let simulated = try await federation.simulatedAccuracy(rounds: 5)
        print("2 Flower clients + 1 node: \(served * 100)% after 5 rounds; concord simulate: \(simulated * 100)%")
        #expect(abs(served - simulated) <= 0.005, "served \(served), simulated \(simulated)")
    }

    @Test("a Flower client sending the wrong tensor count, wrong shapes or non-.npy bytes is dropped with the reason")
    func hostileTensors() async throws {
        let federation = try await Federation(flower: Self.names)
        defer { federation.remove() }
        try federation.configure(rounds: 3, minFitResults: 2, extra: "exclude_after_invalid_replies: 0")
        let (coordinator, _, flowerPort) = try await federation.serve()
        let limit = ["--limit", "2000"]
        let honest = try ["alpha", "beta"].map { try federation.flowerClient($0, port: flowerPort, extra: limit) }
        let hostile = try federation.flowerClient("gamma", port: flowerPort, extra: limit + ["--misbehave"])
        #expect(await coordinator.wait(timeout: 300) == 0, "\(coordinator.output)")
        let output = coordinator.output
        let reasons = [
            "the Flower client sent 5 tensors; the model has 6",
            "tensor 0 ('fc1.weight') has shape [784, 200]; the model's is [200, 784]",
            "tensor 0 ('fc1.weight'): malformed message: a tensor that is not in NumPy's .npy format",
        ]
        let lines = output.split(separator: "\n")
        for (index, reason) in reasons.enumerated() {
            let line = lines.first { $0.contains("round \(index + 1)/3: 2 of 3 answered") } ?? ""
            #expect(line.contains("failed: gamma (malformed message: \(reason)"), "\(output)")
        }
        for client in honest + [hostile] { #expect(await client.wait(timeout: 60) == 0, "\(client.output)") }
    }

    @Test("a wrong token, an unlisted name and a run under secure aggregation are refused with the reason")
    func refusals() async throws {
        let federation = try await Federation(flower: ["alpha"])
        defer { federation.remove() }
        try federation.configure(rounds: 1, minFitResults: 1, extra: "wait_for_participants: 1")
        try "0000000000000000000000000000000000000000000000000000000000000000\n".write(
            toFile: federation.path("wrong-token"), atomically: true, encoding: .utf8)
        var (coordinator, _, flowerPort) = try await federation.serve()
        let impostor = try federation.flowerClient("alpha", port: flowerPort, token: federation.path("wrong-token"))
        #expect(await coordinator.waitFor("was not made with 'alpha''s token", timeout: 60), "\(coordinator.output)")
        #expect(await impostor.wait(timeout: 60) == 0, "\(impostor.output)")
        let stranger = try federation.flowerClient(
            "delta", port: flowerPort, token: federation.path("pki/nodes/alpha.flower-token"),
            data: federation.path("data/alpha"))
        #expect(await coordinator.waitFor("'delta' is not a participant", timeout: 60), "\(coordinator.output)")
        #expect(await stranger.wait(timeout: 60) == 0, "\(stranger.output)")
        #expect(!coordinator.output.contains("round 1/1"), "a refused client took part: \(coordinator.output)")
        coordinator.kill()

        try FileManager.default.removeItem(atPath: federation.path("flower-port"))
        try FileManager.default.removeItem(atPath: federation.path("port"))
        // A new run: resuming the first under secure aggregation would be refused (the plan changed).
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: federation.path("run.sqlite" + suffix))
        }
        (coordinator, _, flowerPort) = try await federation.serve(arguments: ["--secure-aggregation"])
        let client = try federation.flowerClient("alpha", port: flowerPort)
        #expect(await coordinator.waitFor("uses secure aggregation", timeout: 60), "\(coordinator.output)")
        #expect(await client.wait(timeout: 60) == 0, "\(client.output)")
        coordinator.kill()
    }
}
