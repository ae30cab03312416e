import ConcordData
import ConcordPlan
import ConcordServer
import ConcordStore
import ConcordTensor
import ConcordWire
import Foundation
import Synchronization
import Testing

/// A federation on tables, in process over loopback: the pre-round over the wire, its statistics kept with the
/// run's plan, and a node whose statistics are impossible refused by name while the run goes on.
@Suite("A federation run on tables")
struct TabularFederationRunTests {
    /// The coordinator's log lines.
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    /// Rows of `x1, x2, c, y`: y is 1 when x1 + x2 > 0; `c` is one of a, b.
    static func csv(rows: Int, seed: UInt64, scale: Double = 1) -> String {
        var generator = SeededGenerator(seed: seed)
        var lines = ["x1,x2,c,y"]
        for _ in 0..<rows {
            let x1 = Double.random(in: -1...1, using: &generator), x2 = Double.random(in: -1...1, using: &generator)
            let c = Bool.random(using: &generator) ? "a" : "b"
            lines.append("\(x1 * scale),\(x2),\(c),\(x1 + x2 > 0 ? "yes" : "no")")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "concord-tabrun-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func config(in folder: URL, minFitResults: Int) throws -> (FederationConfig, String) {
        try csv(rows: 40, seed: 9).write(
            to: folder.appendingPathComponent("test.csv"), atomically: true, encoding: .utf8)
        let path = folder.appendingPathComponent("federation.yaml").path
        try """
        run: tables
        model: logreg
        rounds: 2
        batch_size: 8
        learning_rate: 0.1
        min_fit_results: \(minFitResults)
        wait_for_participants: 2
        wait_timeout_seconds: 5
        round_deadline_seconds: 10
        heartbeat_seconds: 0.5
        seed: 5
        participants: [alpha, beta]
        listen: 127.0.0.1:0
        store: run.sqlite
        evaluation: test.csv
        tabular:
          label: y
          classes: [no, yes]
          features: [x1, x2, {name: c, categories: [a, b]}]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let (config, text) = try FederationConfig.load(path: path)
        return (config, text)
    }

    static func node(_ name: String, file: URL, port: Int) throws -> Task<String, any Error> {
        let node = Node(
            settings: NodeSettings(
                host: "127.0.0.1", port: port, name: name, security: .insecure,
                table: try NodeTable(contentsOf: file, heldOutFraction: 0.25, seed: 2)),
            log: { _ in })
        return Task { try await node.run() }
    }

    static func run(
        _ config: FederationConfig, _ text: String, tables: [URL], log: Lines
    ) async throws -> FederationRun.Outcome {
        let run = try FederationRun(
            config: config, configurationText: text, plan: config.plan(), security: .insecure,
            openStore: { [path = config.store] in try SQLiteRunStore(path: path) },
            log: { line in log.lines.withLock { $0.append(line) } })
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let running = Task { try await run.run(onListening: { listening.yield($0) }) }
        let port = try #require(await ports.first { _ in true })
        let nodes = try zip(["alpha", "beta"], tables).map { try node($0, file: $1, port: port) }
        let outcome = try await running.value
        // The run is over: a node still retrying a connection is stopped.
        for node in nodes { node.cancel() }
        for node in nodes { _ = try? await node.value }
        return outcome
    }

    @Test("the pre-round's statistics are stored with the plan, and a restart with the same configuration is admitted")
    func statisticsAreKeptWithThePlan() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (config, text) = try Self.config(in: folder, minFitResults: 2)
        let tables = try [(1, 30), (2, 50)].map { seed, rows in
            let url = folder.appendingPathComponent("site-\(seed).csv")
            try Self.csv(rows: rows, seed: UInt64(seed)).write(to: url, atomically: true, encoding: .utf8)
            return url
        }
        let log = Lines()
        let outcome = try await Self.run(config, text, tables: tables, log: log)
        #expect(outcome.records.count == 2 && outcome.records.allSatisfy { $0.succeeded == 2 })
        #expect(outcome.exampleShape == [4] && outcome.records.last?.evaluation != nil)
        let lines = log.all
        #expect(
            lines.contains { $0.contains("pre-round: standardisation of 2 numeric features agreed from alpha, beta") })
        #expect(lines.contains { $0.contains("on the nodes' held-out rows: alpha accuracy") && $0.contains("auc") })

        // The agreed means and scales are the pooled training rows' (each node held a quarter back).
        let store = try SQLiteRunStore(path: config.store)
        let stored = try RunPlan(canonicalJSON: try #require(try store.runs().first?.plan))
        let kept = try #require(stored.tabular?.standardisation)
        let pooled = TabularTable.concatenating(
            try tables.map {
                try NodeTable(contentsOf: $0, heldOutFraction: 0.25, seed: 2).read(stored.tabular!.schema).training
            })
        let expected = pooled.statistics.standardisation
        for index in 0..<2 {
            #expect(abs(kept.means[index] - expected.means[index]) < 1e-12)
            #expect(abs(kept.scales[index] - expected.scales[index]) < 1e-12)
        }

        // Served again with the same file, the stored run (its statistics included) is admitted as the same run.
        let again = try await Self.run(config, text, tables: [], log: Lines())
        #expect(again.records.count == 2)
    }

    @Test(
        "a node whose statistics no table could have (an infinite sum of squares) is refused by name; the run goes on")
    func impossibleStatisticsAreRefused() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (config, text) = try Self.config(in: folder, minFitResults: 1)
        let honest = folder.appendingPathComponent("alpha.csv"), extreme = folder.appendingPathComponent("beta.csv")
        try Self.csv(rows: 30, seed: 1).write(to: honest, atomically: true, encoding: .utf8)
        // Finite values whose squares overflow: the node's report holds an infinite sum of squares.
        try Self.csv(rows: 30, seed: 2, scale: 1e300).write(to: extreme, atomically: true, encoding: .utf8)
        let log = Lines()
        let outcome = try await Self.run(config, text, tables: [honest, extreme], log: log)
        #expect(outcome.records.count == 2)
        let lines = log.all
        let agreed = try #require(lines.first { $0.contains("pre-round: standardisation") }, "\(lines)")
        #expect(agreed.contains("agreed from alpha ") && agreed.contains("failed: beta ("), "\(agreed)")
        #expect(agreed.contains("impossible statistics of 'x1'"), "\(agreed)")
    }
}
