import ConcordData
import ConcordServer
import Foundation
import Testing

@Suite("Federation configuration files")
struct FederationConfigTests {
    static func write(_ text: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "concord-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("federation.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(
        "a tabular block declares the schema (bare names numeric), an optional fixed standardisation and the evaluation table"
    )
    func tabular() throws {
        let path = try Self.write(
            """
            run: r
            rounds: 3
            participants: [a, b]
            evaluation: held-out.tsv
            tabular:
              label: y
              classes: [benign, malignant]
              features: [x, {name: c, categories: [p, q]}, z]
              missing: impute
              standardisation: {means: [1.5, -2], scales: [0.5, 4]}
            """)
        let (config, _) = try FederationConfig.load(path: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path
        #expect(config.evaluationTable == folder + "/held-out.tsv")
        let tabular = try #require(config.plan().tabular)
        #expect(tabular.schema.features == [.numeric("x"), .categorical("c", categories: ["p", "q"]), .numeric("z")])
        #expect(tabular.schema.missing == .impute && tabular.schema.missingTokens == ["NA"])
        #expect(tabular.standardisation?.names == ["x", "z"] && tabular.standardisation?.scales == [0.5, 4])
        #expect(tabular.exampleShape == [4] && tabular.loss.rawValue == "binary_cross_entropy")
        // Without an evaluation key a tabular run evaluates centrally on nothing; the nodes evaluate on theirs.
        let bare = try FederationConfig.load(
            path: try Self.write(
                "run: r\nrounds: 3\nparticipants: [a]\ntabular: {label: y, classes: [n, p], features: [x]}\n"))
        #expect(bare.config.evaluation == "none" && bare.config.evaluationTable == nil)
    }

    @Test("defaults fill what is left out; relative paths are the file's folder's")
    func defaults() throws {
        let path = try Self.write(
            "run: r\nrounds: 3\nparticipants: [a, b]\nstore: runs/r.sqlite\ntls: {ca: ca.pem, certificate: c.pem, private_key: k.pem}\n"
        )
        let (config, text) = try FederationConfig.load(path: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path
        #expect(text.hasPrefix("run: r"))
        #expect(config.model == "mlp" && config.strategy == "fedavg" && config.fraction == 1)
        #expect(config.seed == nil, "no seed: the run draws a secret one")
        #expect(config.store == folder + "/runs/r.sqlite")
        #expect(config.tls?.privateKey == folder + "/k.pem")
        #expect(config.listenAddress?.port == 7443)
        // A round needs half of those sampled unless min_fit_results says otherwise; three invalid replies in
        // a row exclude a participant; failed rounds wait 1 s, doubling.
        #expect(config.minFitResults == nil && config.minFitFraction == nil)
        #expect(config.plan().minFitResults == 1 && config.plan().minFitFraction == 0.5)
        #expect(config.excludeAfterInvalidReplies == 3 && config.retryBackoffSeconds == 1)
        #expect(config.maxExamplesPerParticipant == nil)
        let explicit = try FederationConfig.load(
            path: try Self.write("run: r\nrounds: 3\nparticipants: [a, b]\nmin_fit_results: 1\n"))
        #expect(explicit.config.plan().minFitResults == 1 && explicit.config.plan().minFitFraction == 0)
    }

    @Test(
        "a mistake is refused with the file and what is wrong",
        arguments: [
            ("rounds: 3\nparticipants: [a]\n", "the key 'run' is required"),
            ("run: r\nrounds: 3\nparticipants: [a]\nlearnig_rate: 0.1\n", "unknown key 'learnig_rate'"),
            ("run: r\nrounds: 3\nparticipants: [a, a]\n", "lists a name twice"),
            ("run: r\nrounds: 3\nparticipants: [a]\nmin_fit_results: 2\n", "'min_fit_results' must be between 0 and"),
            ("run: r\nrounds: 3\nparticipants: [a]\nmodel: resnet\n", "unknown model 'resnet'"),
            ("run: r\nrounds: 3\nparticipants: [a]\nlisten: nowhere\n", "'listen' must be HOST:PORT"),
            ("run: r\nrounds: many\nparticipants: [a]\n", "'rounds'"),
            ("run: [r\n", "not valid YAML"),
            // Infinite or absurd durations once crashed serve at start or when a node connected.
            ("run: r\nrounds: 3\nparticipants: [a]\nheartbeat_seconds: .inf\n", "'heartbeat_seconds' must be between"),
            ("run: r\nrounds: 3\nparticipants: [a]\nheartbeat_seconds: 1e7\n", "'heartbeat_seconds' must be between"),
            ("run: r\nrounds: 3\nparticipants: [a]\nround_deadline_seconds: .inf\n", "at most a week"),
            ("run: r\nrounds: 3\nparticipants: [a]\nround_deadline_seconds: 1e7\n", "at most a week"),
            ("run: r\nrounds: 3\nparticipants: [a]\nwait_timeout_seconds: .nan\n", "'wait_timeout_seconds' must be"),
            ("run: r\nrounds: 3\nparticipants: [a]\nmin_fit_fraction: 1.5\n", "'min_fit_fraction' must be in [0, 1]"),
            ("run: r\nrounds: 3\nparticipants: [a]\nmax_examples_per_participant: 0\n", "must be at least 1"),
            ("run: r\nrounds: 3\nparticipants: [a]\nexclude_after_invalid_replies: -1\n", "must be ≥ 0"),
            ("run: r\nrounds: 3\nparticipants: [a]\nretry_backoff_seconds: .inf\n", "between 0 and 3600"),
            // A run on tables: its schema and evaluation are checked as the rest.
            (
                "run: r\nrounds: 3\nparticipants: [a]\ntabular: {label: y, classes: [no, yes], features: [x, {name: c, categories: [a, b]}], missing: maybe}\n",
                "'tabular.missing' must be reject or impute"
            ),
            (
                "run: r\nrounds: 3\nparticipants: [a]\ntabular: {label: y, classes: [no, yes], features: [x, {name: c, categories: [a, b]}]}\nevaluation: mnist\n",
                "'evaluation' of a tabular run must be a CSV or TSV"
            ),
            (
                "run: r\nrounds: 3\nparticipants: [a]\ntabular: {label: y, classes: [yes], features: [x]}\n",
                "needs at least two classes"
            ),
            (
                "run: r\nrounds: 3\nparticipants: [a]\ntabular: {label: y, classes: [no, yes], features: [x, {name: c, categories: [a, b]}], standardisation: {means: [1, 2], scales: [1, 1]}}\n",
                "'tabular.standardisation'"
            ),
            (
                "run: r\nrounds: 3\nparticipants: [a]\ntabular: {label: y, classes: [no, yes], features: [x, {name: c, categories: [a, b]}], standardisation: {means: [1], scales: [0]}}\n",
                "a scale must be finite and positive"
            ),
        ])
    func mistakes(text: String, problem: String) throws {
        let path = try Self.write(text)
        #expect {
            _ = try FederationConfig.load(path: path)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.path == path && error.problem.contains(problem)
        }
    }
}
