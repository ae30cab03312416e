import ConcordGovernance
import ConcordNN
import ConcordWire
import Foundation
import Yams

/// A real federation's settings, read from a YAML file: what the run trains, how rounds go, who may
/// join, and where the coordinator listens and keeps its state.
///
/// ```yaml
/// run: mnist-mlp
/// model: mlp
/// rounds: 5
/// strategy: fedavg
/// local_epochs: 1
/// batch_size: 10
/// learning_rate: 0.1
/// fraction: 1.0
/// min_fit_fraction: 0.5
/// round_deadline_seconds: 300
/// participants: [hospital-a, hospital-b, hospital-c]
/// listen: 127.0.0.1:7443
/// store: run.sqlite
/// tls: {ca: pki/ca.pem, certificate: pki/coordinator.pem, private_key: pki/coordinator-key.pem}
/// ```
/// Relative paths are relative to the file's folder.
public struct FederationConfig: Sendable, Equatable, Codable {
    /// The run's name; a store holds many runs, and a restarted coordinator resumes the run of this name.
    public var run: String
    /// The zoo model trained.
    public var model: String
    /// Rounds to run.
    public var rounds: Int
    /// The strategy, as `concord simulate --strategy` takes it (fedavg, fedprox:MU, fedadam, …).
    public var strategy: String
    /// The server learning rate of the strategies that have one.
    public var serverLearningRate: Float?
    /// The server momentum of fedavgm.
    public var serverMomentum: Float?
    /// Local epochs E.
    public var localEpochs: Int
    /// Local batch size B (0: the whole local dataset).
    public var batchSize: Int
    /// Local learning rate.
    public var learningRate: Float
    /// The fraction C of participants sampled each round.
    public var fraction: Double
    /// The least number of results for a round to count; fewer, and the round is retried (nil: the plan's
    /// default, 1, or 0 with differential privacy).
    public var minFitResults: Int?
    /// The least fraction of the participants sampled in a round whose results it needs (rounded up); nil: the
    /// plan's default, 0.5 unless `min_fit_results` is given, so that by default a round is never carried by one
    /// node.
    public var minFitFraction: Double?
    /// The most examples a node may declare when it joins: its largest weight in an aggregate (nil: only
    /// its own declaration bounds what its replies may claim).
    public var maxExamplesPerParticipant: Int?
    /// Invalid replies in a row (broken messages, non-finite values, more examples than declared) after
    /// which a participant is excluded from the run (0: never).
    public var excludeAfterInvalidReplies: Int
    /// The wait before the first retry of a failed round; it doubles with each further failure, up to
    /// 64 times this.
    public var retryBackoffSeconds: Double
    /// How long a round waits for results; late results are discarded and recorded.
    public var roundDeadlineSeconds: Double
    /// How many participants must be connected before a round starts (default: all of them).
    public var waitForParticipants: Int?
    /// How long to wait for them before the run is marked paused (it keeps waiting).
    public var waitTimeoutSeconds: Double
    /// Retries of a round with too few results before the run pauses until every participant is back.
    public var maxRetries: Int
    /// The run's seed: initialisation, sampling and every participant's shuffling derive from it. When nil
    /// (the default), the run draws a seed from the system's CSPRNG when it is created and keeps it in its
    /// store, so that nobody can tell from the configuration who will be sampled (differential privacy's
    /// amplification by sampling assumes they cannot) and a restarted run still resumes bit for bit.
    public var seed: UInt64?
    /// Central evaluation every this many rounds (the last round always is).
    public var evalEvery: Int
    /// The coordinator's held-out data: a bundled dataset's name (mnist), a folder of IDX files, or an image folder;
    /// with ``tabular``, a CSV or TSV file read against the schema, or `none` (the default then) for no central
    /// evaluation.
    public var evaluation: String
    /// A run on tabular data: the schema of every node's table (and, optionally, a fixed standardisation).
    public var tabular: TabularSettings?
    /// A charter in force that the run must satisfy (the coordinator refuses to start otherwise); nil for none.
    public var charter: String?
    /// Where the run's signed audit log is exported (JSON lines) after every committed round; the log itself is kept
    /// in the store. Needs `charter` and `signing_key`.
    public var auditLog: String?
    /// The coordinator's signing key (`concord keys generate`), whose public half the charter lists as the
    /// coordinator's: it signs every audit log entry.
    public var signingKey: String?
    /// The participants allowed to join, by certificate common name; participant `i` is the `i`-th.
    public var participants: [String]
    /// Where to listen, `HOST:PORT`.
    public var listen: String
    /// The SQLite file holding runs, rounds, checkpoints and participant status.
    public var store: String
    /// The coordinator's certificate and key and the federation's CA (absent only with `--insecure`).
    public var tls: TLSFiles?
    /// Seconds between heartbeats; a peer silent for three is taken for gone.
    public var heartbeatSeconds: Double
    /// Where to accept unmodified Flower clients (`HOST:PORT`, Flower's legacy `grpc-bidi` transport), beside
    /// Concord's nodes on ``listen``; nil (the default) for none. See Docs/flower.md.
    public var flowerListen: String?
    /// The Flower token secret (written by `concord certs issue --flower-token`): Flower clients prove their
    /// names with tokens derived from it. Required with ``flowerListen``.
    public var flowerTokenSecret: String?

    /// The coordinator's TLS files.
    public struct TLSFiles: Sendable, Equatable, Codable {
        /// The federation CA's certificate: nodes' certificates must chain to it.
        public var ca: String
        /// The coordinator's certificate.
        public var certificate: String
        /// Its private key.
        public var privateKey: String

        enum CodingKeys: String, CodingKey {
            case ca, certificate
            case privateKey = "private_key"
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case run, model, rounds, strategy, fraction, seed, evaluation, participants, listen, store, tls, charter
        case serverLearningRate = "server_learning_rate", serverMomentum = "server_momentum"
        case localEpochs = "local_epochs", batchSize = "batch_size", learningRate = "learning_rate"
        case minFitResults = "min_fit_results", roundDeadlineSeconds = "round_deadline_seconds"
        case waitForParticipants = "wait_for_participants", waitTimeoutSeconds = "wait_timeout_seconds"
        case maxRetries = "max_retries", evalEvery = "eval_every", heartbeatSeconds = "heartbeat_seconds"
        case minFitFraction = "min_fit_fraction", maxExamplesPerParticipant = "max_examples_per_participant"
        case excludeAfterInvalidReplies = "exclude_after_invalid_replies"
        case retryBackoffSeconds = "retry_backoff_seconds"
        case flowerListen = "flower_listen", flowerTokenSecret = "flower_token_secret"
        case auditLog = "audit_log", signingKey = "signing_key", tabular
    }

    /// Reads every key, with defaults for the optional ones.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        run = try c.decode(String.self, forKey: .run)
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? "mlp"
        rounds = try c.decode(Int.self, forKey: .rounds)
        strategy = try c.decodeIfPresent(String.self, forKey: .strategy) ?? "fedavg"
        serverLearningRate = try c.decodeIfPresent(Float.self, forKey: .serverLearningRate)
        serverMomentum = try c.decodeIfPresent(Float.self, forKey: .serverMomentum)
        localEpochs = try c.decodeIfPresent(Int.self, forKey: .localEpochs) ?? 1
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? 10
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? 0.1
        fraction = try c.decodeIfPresent(Double.self, forKey: .fraction) ?? 1
        let minFitResults = try c.decodeIfPresent(Int.self, forKey: .minFitResults)
        self.minFitResults = minFitResults
        minFitFraction = try c.decodeIfPresent(Double.self, forKey: .minFitFraction)
        maxExamplesPerParticipant = try c.decodeIfPresent(Int.self, forKey: .maxExamplesPerParticipant)
        excludeAfterInvalidReplies = try c.decodeIfPresent(Int.self, forKey: .excludeAfterInvalidReplies) ?? 3
        retryBackoffSeconds = try c.decodeIfPresent(Double.self, forKey: .retryBackoffSeconds) ?? 1
        roundDeadlineSeconds = try c.decodeIfPresent(Double.self, forKey: .roundDeadlineSeconds) ?? 600
        waitForParticipants = try c.decodeIfPresent(Int.self, forKey: .waitForParticipants)
        waitTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .waitTimeoutSeconds) ?? 60
        maxRetries = try c.decodeIfPresent(Int.self, forKey: .maxRetries) ?? 2
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        evalEvery = try c.decodeIfPresent(Int.self, forKey: .evalEvery) ?? 1
        tabular = try c.decodeIfPresent(TabularSettings.self, forKey: .tabular)
        evaluation = try c.decodeIfPresent(String.self, forKey: .evaluation) ?? (tabular == nil ? "mnist" : "none")
        participants = try c.decode([String].self, forKey: .participants)
        listen = try c.decodeIfPresent(String.self, forKey: .listen) ?? "127.0.0.1:7443"
        store = try c.decodeIfPresent(String.self, forKey: .store) ?? "concord-runs.sqlite"
        tls = try c.decodeIfPresent(TLSFiles.self, forKey: .tls)
        charter = try c.decodeIfPresent(String.self, forKey: .charter)
        auditLog = try c.decodeIfPresent(String.self, forKey: .auditLog)
        signingKey = try c.decodeIfPresent(String.self, forKey: .signingKey)
        heartbeatSeconds = try c.decodeIfPresent(Double.self, forKey: .heartbeatSeconds) ?? 2
        flowerListen = try c.decodeIfPresent(String.self, forKey: .flowerListen)
        flowerTokenSecret = try c.decodeIfPresent(String.self, forKey: .flowerTokenSecret)
    }

    /// Reads and checks a configuration file, resolving its relative paths against the file's folder.
    ///
    /// - Throws: ``ConfigError`` naming the file and what is wrong.
    public static func load(path: String) throws(ConfigError) -> (config: FederationConfig, text: String) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(path: path, problem: "cannot read it: \(error.localizedDescription)")
        }
        do {
            // Before Yams reads it: an alias bomb of a kilobyte would otherwise expand to gigabytes.
            try YAMLGuard.check(text)
        } catch {
            throw ConfigError(path: path, problem: "line \(error.line): \(error.reason)")
        }
        var config: FederationConfig
        do {
            config = try YAMLDecoder().decode(FederationConfig.self, from: text)
        } catch let error as DecodingError {
            throw ConfigError(path: path, problem: Self.describe(error))
        } catch {
            throw ConfigError(path: path, problem: "not valid YAML: \(error)")
        }
        if let keys = (try? Yams.load(yaml: text)) as? [String: Any] {
            let known = Set(CodingKeys.allCases.map(\.rawValue))
            if let unknown = keys.keys.sorted().first(where: { !known.contains($0) }) {
                throw ConfigError(
                    path: path,
                    problem: "unknown key '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
            }
        }
        if let problem = config.problem { throw ConfigError(path: path, problem: problem) }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ file: String) -> String {
            file.hasPrefix("/") ? file : folder.appendingPathComponent(file).standardizedFileURL.path
        }
        config.store = resolve(config.store)
        config.charter = config.charter.map(resolve)
        config.auditLog = config.auditLog.map(resolve)
        config.signingKey = config.signingKey.map(resolve)
        config.flowerTokenSecret = config.flowerTokenSecret.map(resolve)
        if let tls = config.tls {
            config.tls = TLSFiles(
                ca: resolve(tls.ca), certificate: resolve(tls.certificate), privateKey: resolve(tls.privateKey))
        }
        if config.evaluation.contains("/") || (config.tabular != nil && config.evaluation != "none") {
            config.evaluation = resolve(config.evaluation)
        }
        return (config, text)
    }

    /// What is wrong with the settings, if anything.
    public var problem: String? {
        if run.isEmpty { return "'run' must name the run" }
        if participants.isEmpty { return "'participants' must list at least one participant" }
        if Set(participants).count != participants.count { return "'participants' lists a name twice" }
        // The run's own settings have one set of rules, the plan's, the same as `concord simulate`'s.
        if let tabular {
            do {
                _ = try tabular.choice()
            } catch {
                return error.description
            }
            if evaluation != "none", !Self.isTable(evaluation) {
                return "'evaluation' of a tabular run must be a CSV or TSV file (or none), got '\(evaluation)'"
            }
        }
        do {
            try plan().validate()
        } catch {
            return error.description
        }
        if listenAddress == nil { return "'listen' must be HOST:PORT, got '\(listen)'" }
        if let flowerListen {
            if flowerListenAddress == nil { return "'flower_listen' must be HOST:PORT, got '\(flowerListen)'" }
            if flowerTokenSecret == nil {
                return "'flower_listen' needs 'flower_token_secret', the file `concord certs issue --flower-token` "
                    + "writes (Flower clients prove their names with tokens derived from it)"
            }
        }
        return nil
    }

    /// Whether `path` names a table (`.csv`, `.tsv`, `.tab`).
    static func isTable(_ path: String) -> Bool {
        [".csv", ".tsv", ".tab"].contains { path.lowercased().hasSuffix($0) }
    }

    /// The held-out table of a tabular run's central evaluation, nil without one.
    public var evaluationTable: String? { tabular != nil && evaluation != "none" ? evaluation : nil }

    /// The host and port of ``listen``.
    public var listenAddress: Endpoint? { Endpoint(parsing: listen) }

    /// The host and port of ``flowerListen``, when it is set and valid.
    public var flowerListenAddress: Endpoint? { flowerListen.flatMap { Endpoint(parsing: $0) } }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, _): return "the key '\(key.stringValue)' is required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "'\(path(context))': \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// A federation configuration file that cannot be used, and why.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What is wrong with it.
    public var problem: String

    /// A message naming the file.
    public var description: String { "\(path): \(problem)" }
}
