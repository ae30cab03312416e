import ConcordData
import ConcordNN
import ConcordTensor
import Foundation
import Testing

/// Real processes on 127.0.0.1: `concord serve` with a tabular schema in its configuration and three
/// `concord node --data SITE.csv` over mutual TLS, on the breast cancer table split by hospital; and the bad tables a
/// node can bring, each refused by the node naming file, row and column while the coordinator goes on.
@Suite("A real federation on tables", .serialized)
struct TabularFederationProcessTests {
    static let sites = ["hospital_a", "hospital_b", "hospital_c"]
    static let names = ["hospital-a", "hospital-b", "hospital-c"]
    static let features = [
        "mean_radius", "mean_texture", "mean_perimeter", "mean_area", "mean_smoothness", "mean_compactness",
        "mean_concavity", "mean_concave_points", "mean_symmetry", "mean_fractal_dimension", "radius_error",
        "texture_error", "perimeter_error", "area_error", "smoothness_error", "compactness_error",
        "concavity_error", "concave_points_error", "symmetry_error", "fractal_dimension_error", "worst_radius",
        "worst_texture", "worst_perimeter", "worst_area", "worst_smoothness", "worst_compactness",
        "worst_concavity", "worst_concave_points", "worst_symmetry", "worst_fractal_dimension",
    ]
    static let schema = TabularSchema(
        label: "diagnosis", classes: ["benign", "malignant"], features: features.map(TabularSchema.Feature.numeric))
    /// The share of its rows each node keeps back for the federated evaluation, and the seed choosing them.
    static let heldOut = (fraction: 0.2, seed: UInt64(1))

    /// A folder with the PKI, each site's training rows as a CSV, the pooled held-out rows and a configuration.
    struct Federation {
        let folder: URL
        /// The bundled table split by site (a quarter of each site's rows held out for the coordinator's test set).
        let split: TabularFederation

        init(participants: [String] = TabularFederationProcessTests.names) async throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "concord-tabfed-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let pki = try await Concord.run([
                "certs", "init", "--out", folder.appendingPathComponent("pki").path, "--nodes",
                participants.joined(separator: ","),
            ])
            #expect(pki.status == 0, "\(pki.stderr)")
            let table = try TabularTable.read(
                contentsOf: TabularSimulateTests.breastCancer, schema: TabularFederationProcessTests.schema,
                siteColumn: "site")
            split = try TabularFederation.bySite(table, testFraction: 0.25, seed: 7)
            #expect(split.names == TabularFederationProcessTests.sites)
            for (index, site) in split.participants.enumerated() {
                try Self.csv(site).write(
                    toFile: path("\(TabularFederationProcessTests.names[index]).csv"), atomically: true, encoding: .utf8
                )
            }
            try Self.csv(split.test).write(toFile: path("test.csv"), atomically: true, encoding: .utf8)
        }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        /// A table's rows as CSV text: the features, then the label.
        static func csv(_ table: TabularTable) -> String {
            var lines = [(TabularFederationProcessTests.features + ["diagnosis"]).joined(separator: ",")]
            for row in 0..<table.count {
                let values = table.numeric[row].map { $0.map { "\($0)" } ?? "" }
                lines.append((values + [table.schema.classes[Int(table.labels[row])]]).joined(separator: ","))
            }
            return lines.joined(separator: "\n") + "\n"
        }

        /// A configuration of `rounds` rounds of `model` with the table's schema in it.
        func configure(
            model: String, rounds: Int, participants: [String], minFitResults: Int, waitFor: Int
        ) throws -> String {
            let text = """
                run: tabular
                model: \(model)
                rounds: \(rounds)
                local_epochs: 1
                batch_size: 16
                learning_rate: 0.05
                fraction: 1.0
                min_fit_results: \(minFitResults)
                wait_for_participants: \(waitFor)
                round_deadline_seconds: 60
                wait_timeout_seconds: 5
                retry_backoff_seconds: 0.2
                heartbeat_seconds: 1
                seed: 3
                participants: [\(participants.joined(separator: ", "))]
                listen: 127.0.0.1:0
                store: run.sqlite
                evaluation: test.csv
                tabular:
                  label: diagnosis
                  classes: [benign, malignant]
                  features: [\(TabularFederationProcessTests.features.joined(separator: ", "))]
                  missing: reject
                tls: {ca: pki/ca.pem, certificate: pki/coordinator.pem, private_key: pki/coordinator-key.pem}
                """
            try text.write(toFile: path("federation.yaml"), atomically: true, encoding: .utf8)
            return path("federation.yaml")
        }

        /// Starts `concord serve` (on `port`, to restart where the nodes look), saving the final model to `save`.
        func serve(
            log: String = "serve.log", port: Int? = nil, save: String? = nil
        ) async throws -> (process: BackgroundProcess, port: Int) {
            let portFile = path("port-\(log)")
            let process = try BackgroundProcess(
                ["serve", "--config", path("federation.yaml"), "--port-file", portFile]
                    + (port.map { ["--listen", "127.0.0.1:\($0)"] } ?? []) + (save.map { ["--save", $0] } ?? []),
                log: folder.appendingPathComponent(log))
            let listening = try #require(
                await process.waitForFile(portFile, timeout: 60), "serve never listened: \(process.output)")
            return (process, try #require(Int(listening.trimmingCharacters(in: .whitespacesAndNewlines))))
        }

        func node(_ name: String, data: String, port: Int, heldOut: Bool = true) throws -> BackgroundProcess {
            try BackgroundProcess(
                [
                    "node", "--server", "127.0.0.1:\(port)", "--data", data, "--name", name, "--pki", path("pki"),
                ]
                    + (heldOut
                        ? [
                            "--held-out-fraction", "\(TabularFederationProcessTests.heldOut.fraction)",
                            "--held-out-seed", "\(TabularFederationProcessTests.heldOut.seed)",
                        ] : []),
                log: folder.appendingPathComponent("node-\(name).log"))
        }

        /// Central training of `model` on the pooled rows the nodes trained on, as many epochs as the federation
        /// had rounds, standardised with the pooled statistics, evaluated on the same held-out rows.
        func central(model: String, epochs: Int) throws -> Evaluation {
            let training = split.participants.map {
                $0.holdingOut(
                    fraction: TabularFederationProcessTests.heldOut.fraction,
                    seed: TabularFederationProcessTests.heldOut.seed
                ).training
            }
            let pooled = TabularTable.concatenating(training)
            let standardisation = pooled.statistics.standardisation
            let data = try pooled.dataset(standardisation: standardisation)
            let test = try split.test.dataset(standardisation: standardisation)
            let network = try ModelZoo.make(
                model, inputShape: [30], classes: 2, loss: .binaryCrossEntropy, seed: 3)
            var generator = SeededGenerator(seed: 3)
            for _ in 0..<epochs {
                try network.trainEpoch(
                    features: data.features, labels: data.labels, batchSize: 16, optimizer: SGD(learningRate: 0.05),
                    generator: &generator)
            }
            return try network.evaluate(features: test.features, labels: test.labels)
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    /// The last "final test accuracy X%" of a serve log, as a fraction.
    static func finalAccuracy(_ output: String) -> Double? {
        output.firstMatch(of: /final test accuracy ([0-9.]+)%/).flatMap { Double($0.1) }.map { $0 / 100 }
    }

    @Test(
        "three nodes over mutual TLS train on their sites' tables within 1 point of central training",
        arguments: ["logreg", "mlp:16"])
    func threeSitesMatchCentralTraining(model: String) async throws {
        let federation = try await Federation()
        defer { federation.remove() }
        let rounds = 30
        _ = try federation.configure(
            model: model, rounds: rounds, participants: Self.names, minFitResults: 3, waitFor: 3)
        let (coordinator, port) = try await federation.serve()
        let nodes = try Self.names.map { try federation.node($0, data: federation.path("\($0).csv"), port: port) }
        #expect(await coordinator.wait(timeout: 120) == 0, "\(coordinator.output)")
        for node in nodes {
            #expect(await node.wait(timeout: 30) == 0, "\(node.output)")
            #expect(node.output.contains("fit the run's schema"), "\(node.output)")
        }
        let output = coordinator.output
        #expect(
            output.contains(
                "pre-round: standardisation of 30 numeric features agreed from hospital-a, hospital-b, hospital-c"),
            "\(output)")
        #expect(output.contains("round \(rounds)/\(rounds): 3 of 3 answered"), "\(output)")
        // The federated evaluation: every node reports on its own held-out rows, with AUC, precision and recall.
        let last = try #require(
            output.split(separator: "\n").last { $0.contains("round \(rounds) on the nodes' held-out rows") })
        for name in Self.names { #expect(last.contains("\(name) accuracy"), "\(last)") }
        #expect(last.contains("auc") && last.contains("precision") && last.contains("recall"), "\(last)")

        let federated = try #require(Self.finalAccuracy(output), "\(output)")
        let central = try federation.central(model: model, epochs: rounds)
        let summary = String(
            format: "%@: federated accuracy %.4f, central %.4f on %d held-out rows", model, federated, central.accuracy,
            central.count)
        print(summary)
        #expect(abs(federated - central.accuracy) <= 0.01, "\(summary)")
        #expect(federated > 0.9, "\(summary)")
    }

    @Test(
        "kill -9 of the coordinator mid-run: the resumed run reuses the stored statistics, and its model is the uninterrupted run's"
    )
    func resumesWithTheStoredStatistics() async throws {
        let rounds = 8
        // The reference: the same run, uninterrupted.
        let reference = try await Federation()
        defer { reference.remove() }
        _ = try reference.configure(
            model: "logreg", rounds: rounds, participants: Self.names, minFitResults: 3, waitFor: 3)
        let (uninterrupted, referencePort) = try await reference.serve(save: reference.path("final.safetensors"))
        let referenceNodes = try Self.names.map {
            try reference.node($0, data: reference.path("\($0).csv"), port: referencePort)
        }
        #expect(await uninterrupted.wait(timeout: 120) == 0, "\(uninterrupted.output)")
        for node in referenceNodes { #expect(await node.wait(timeout: 30) == 0, "\(node.output)") }

        let federation = try await Federation()
        defer { federation.remove() }
        _ = try federation.configure(
            model: "logreg", rounds: rounds, participants: Self.names, minFitResults: 3, waitFor: 3)
        var (coordinator, port) = try await federation.serve(log: "serve-1.log")
        let nodes = try Self.names.map { try federation.node($0, data: federation.path("\($0).csv"), port: port) }
        #expect(
            await coordinator.killMidRun(after: Int.random(in: 1...(rounds - 2)), of: rounds, timeout: 120),
            "\(coordinator.output)")
        #expect(coordinator.output.contains("pre-round: standardisation of 30 numeric features agreed"))
        #expect(!coordinator.output.contains("round \(rounds)/\(rounds)"), "the run ended before the kill")
        (coordinator, port) = try await federation.serve(
            log: "serve-2.log", port: port, save: federation.path("final.safetensors"))
        #expect(await coordinator.wait(timeout: 120) == 0, "\(coordinator.output)")
        let output = coordinator.output
        #expect(output.contains("resuming run 'tabular' after round"), "\(output)")
        #expect(output.contains("standardising 30 numeric features with the run's stored statistics"), "\(output)")
        #expect(!output.contains("pre-round"), "a resumed run runs no new pre-round: \(output)")
        for node in nodes { #expect(await node.wait(timeout: 30) == 0, "\(node.output)") }
        let resumed = try Data(contentsOf: URL(fileURLWithPath: federation.path("final.safetensors")))
        let expected = try Data(contentsOf: URL(fileURLWithPath: reference.path("final.safetensors")))
        #expect(resumed == expected, "the resumed run's final model differs from the uninterrupted run's")
        #expect(Self.finalAccuracy(output) == Self.finalAccuracy(uninterrupted.output))
    }

    @Test("bad tables: each node says what is wrong (file, row, column) and exits; the coordinator goes on")
    func badTablesAreRefusedAndTheRunGoesOn() async throws {
        let bad = [
            ("bad-missing", "missing-column.csv", "no column 'worst_symmetry'"),
            ("bad-number", "not-a-number.csv", "row 3, column 'mean_texture': 'abc' is not a number"),
            ("bad-label", "unknown-label.tsv", "row 2, column 'diagnosis': label 'unsure'"),
        ]
        let participants = ["hospital-a", "hospital-b"] + bad.map(\.0) + ["bad-empty"]
        let federation = try await Federation(participants: participants)
        defer { federation.remove() }
        let good = Federation.csv(federation.split.participants[0]).split(separator: "\n").map(String.init)
        let header = good[0], row = good[1]
        func write(_ name: String, _ text: String) throws -> String {
            try text.write(toFile: federation.path(name), atomically: true, encoding: .utf8)
            return federation.path(name)
        }
        let missing = try write(
            "missing-column.csv",
            header.replacingOccurrences(of: ",worst_symmetry", with: "") + "\n"
                + row.split(separator: ",").enumerated().filter { $0.offset != 28 }.map(\.element).joined(
                    separator: ",")
                + "\n")
        var fields = row.split(separator: ",").map(String.init)
        fields[1] = "abc"
        let notANumber = try write(
            "not-a-number.csv", header + "\n" + row + "\n" + fields.joined(separator: ",") + "\n")
        var labelled = row.split(separator: ",").map(String.init)
        labelled[labelled.count - 1] = "unsure"
        let unknownLabel = try write(
            "unknown-label.tsv",
            header.replacingOccurrences(of: ",", with: "\t") + "\n" + labelled.joined(separator: "\t") + "\n")
        let empty = try write("empty.csv", "")

        _ = try federation.configure(
            model: "logreg", rounds: 2, participants: participants, minFitResults: 2, waitFor: 2)
        let (coordinator, port) = try await federation.serve()
        // An empty file is refused before the node connects.
        let emptyNode = try federation.node("bad-empty", data: empty, port: port, heldOut: false)
        #expect(await emptyNode.wait(timeout: 30) == 1, "\(emptyNode.output)")
        #expect(emptyNode.output.contains("\(empty): the file is empty"), "\(emptyNode.output)")
        // One at a time, so that no two bad nodes are ever connected together.
        for ((name, _, expected), file) in zip(bad, [missing, notANumber, unknownLabel]) {
            let node = try federation.node(name, data: file, port: port, heldOut: false)
            #expect(await node.wait(timeout: 30) == 2, "\(node.output)")
            #expect(node.output.contains("withdrew from the run: \(file):"), "\(node.output)")
            #expect(node.output.contains(expected), "\(node.output)")
            #expect(await coordinator.waitFor("\(name): refused", timeout: 10), "\(coordinator.output)")
        }
        let nodes = try ["hospital-a", "hospital-b"].map {
            try federation.node($0, data: federation.path("\($0).csv"), port: port)
        }
        #expect(await coordinator.wait(timeout: 60) == 0, "\(coordinator.output)")
        for node in nodes { #expect(await node.wait(timeout: 30) == 0, "\(node.output)") }
        let output = coordinator.output
        for (name, file, expected) in bad {
            let line = output.split(separator: "\n").first { $0.contains(name) && $0.contains("withdrew") }
            #expect(line?.contains(file) == true && line?.contains(expected) == true, "\(name): \(output)")
        }
        #expect(output.contains("agreed from hospital-a, hospital-b"), "\(output)")
        #expect(output.contains("round 2/2: 2 of"), "\(output)")
    }
}
