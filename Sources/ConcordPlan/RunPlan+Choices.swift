import ConcordFederation

extension RunPlan {
    /// The strategy, as `--strategy` and the YAML's `strategy` take it, with its server-side settings.
    public struct StrategyChoice: Sendable, Equatable, Codable {
        /// fedavg, fedprox:MU, fedadam, median+fedavgm, … (``ConcordFederation/StrategySpecification``).
        public var name: String
        /// The server learning rate of the strategies that have one (nil: the strategy's default).
        public var serverLearningRate: Float?
        /// FedAvgM's server momentum β (nil: 0.9).
        public var serverMomentum: Float?
        /// The fraction of each round's participants that straggle (simulation only; 0 in a federation).
        public var stragglers: Double

        /// Describes a strategy.
        public init(name: String, serverLearningRate: Float? = nil, serverMomentum: Float? = nil, stragglers: Double = 0) {
            self.name = name
            self.serverLearningRate = serverLearningRate
            self.serverMomentum = serverMomentum
            self.stragglers = stragglers
        }

        enum CodingKeys: String, CodingKey {
            case name, stragglers
            case serverLearningRate = "server_learning_rate", serverMomentum = "server_momentum"
        }
    }

    /// Each participant's local training.
    public struct LocalChoice: Sendable, Equatable, Codable {
        /// Local epochs E.
        public var epochs: Int
        /// Local batch size B (0: the whole local dataset).
        public var batchSize: Int
        /// Local learning rate η.
        public var learningRate: Float

        /// Describes local training.
        public init(epochs: Int, batchSize: Int, learningRate: Float) {
            self.epochs = epochs
            self.batchSize = batchSize
            self.learningRate = learningRate
        }

        enum CodingKeys: String, CodingKey {
            case epochs, batchSize = "batch_size", learningRate = "learning_rate"
        }
    }

    /// User-level differential privacy (DP-FedAvg, McMahan et al. 2018).
    public struct DPChoice: Sendable, Equatable, Codable {
        /// The noise multiplier z.
        public var noiseMultiplier: Double
        /// The L2 clip norm C of each update (the initial C with adaptive clipping).
        public var clip: Double
        /// Whether C adapts to a quantile of the update norms (Andrew et al. 2021).
        public var adaptive: Bool
        /// The quantile γ adaptive clipping targets.
        public var targetQuantile: Double
        /// Whether participants clip their own updates (implied by secure aggregation).
        public var clientSide: Bool
        /// The δ at which ε is stated.
        public var delta: Double
        /// The ε budget the run stops before exceeding; nil for none.
        public var epsilonBudget: Double?
        /// Whom the guarantee protects: a participant's whole data (user level, the default when nil) or each
        /// record of it (record level: DP-SGD at every participant, with `noise_multiplier` and `clip` per record).
        public var level: DPLevel?
        /// The per-record sampling rate q of record-level DP-SGD; nil at user level.
        public var recordSamplingRate: Double?

        /// Describes differential privacy; the defaults are `--dp-…`'s.
        public init(
            noiseMultiplier: Double, clip: Double, adaptive: Bool = false, targetQuantile: Double = 0.5,
            clientSide: Bool = false, delta: Double = 1e-5, epsilonBudget: Double? = nil, level: DPLevel? = nil,
            recordSamplingRate: Double? = nil
        ) {
            self.level = level
            self.recordSamplingRate = recordSamplingRate
            self.noiseMultiplier = noiseMultiplier
            self.clip = clip
            self.adaptive = adaptive
            self.targetQuantile = targetQuantile
            self.clientSide = clientSide
            self.delta = delta
            self.epsilonBudget = epsilonBudget
        }

        enum CodingKeys: String, CodingKey {
            case clip, adaptive, delta
            case noiseMultiplier = "noise_multiplier", targetQuantile = "target_quantile"
            case clientSide = "client_side", epsilonBudget = "epsilon_budget", level
            case recordSamplingRate = "record_sampling_rate"
        }
    }

    /// Secure aggregation (SecAgg+, Bell et al. 2020).
    public struct SecureAggregationChoice: Sendable, Equatable, Codable {
        /// The neighbours k per participant; nil chooses them from the round size and the rates.
        public var neighbours: Int?
        /// The Shamir threshold t; nil chooses it.
        public var threshold: Int?
        /// The dropout rate δ the default k and t are chosen for.
        public var expectedDropout: Double
        /// The fraction γ of participants that may collude with the coordinator.
        public var corruptFraction: Double
        /// Quantisation bits per coordinate.
        public var bits: Int
        /// Coordinates are clipped to [−c, c] before quantisation (with DP: the clip norm).
        public var clipRange: Double
        /// Example counts above this weigh as this much.
        public var maxWeight: Int

        /// Describes secure aggregation; the defaults are `--secagg-…`'s.
        public init(
            neighbours: Int? = nil, threshold: Int? = nil, expectedDropout: Double = 0.05,
            corruptFraction: Double = 0.05, bits: Int = 16, clipRange: Double = 1, maxWeight: Int = 4096
        ) {
            self.neighbours = neighbours
            self.threshold = threshold
            self.expectedDropout = expectedDropout
            self.corruptFraction = corruptFraction
            self.bits = bits
            self.clipRange = clipRange
            self.maxWeight = maxWeight
        }

        enum CodingKeys: String, CodingKey {
            case neighbours, threshold, bits
            case expectedDropout = "expected_dropout", corruptFraction = "corrupt_fraction"
            case clipRange = "clip_range", maxWeight = "max_weight"
        }
    }

    /// How a real federation waits for its participants, bounds rounds, retries and excludes.
    public struct FederationChoice: Sendable, Equatable, Codable {
        /// How long a round waits for results.
        public var roundDeadlineSeconds: Double
        /// How many participants must be connected before a round starts (nil: all of them).
        public var waitForParticipants: Int?
        /// How long to wait for them before the run is marked paused.
        public var waitTimeoutSeconds: Double
        /// The wait before the first retry of a failed round (doubling with each further failure).
        public var retryBackoffSeconds: Double
        /// Retries of a round with too few results before the run pauses.
        public var maxRetries: Int
        /// Seconds between heartbeats.
        public var heartbeatSeconds: Double
        /// The most examples a node may declare when it joins (nil: no bound but its own declaration).
        public var maxExamplesPerParticipant: Int?
        /// Invalid replies in a row after which a participant is excluded (0: never).
        public var excludeAfterInvalidReplies: Int

        /// Describes a federation's timing; the defaults are the YAML's.
        public init(
            roundDeadlineSeconds: Double = 600, waitForParticipants: Int? = nil, waitTimeoutSeconds: Double = 60,
            retryBackoffSeconds: Double = 1, maxRetries: Int = 2, heartbeatSeconds: Double = 2,
            maxExamplesPerParticipant: Int? = nil, excludeAfterInvalidReplies: Int = 3
        ) {
            self.roundDeadlineSeconds = roundDeadlineSeconds
            self.waitForParticipants = waitForParticipants
            self.waitTimeoutSeconds = waitTimeoutSeconds
            self.retryBackoffSeconds = retryBackoffSeconds
            self.maxRetries = maxRetries
            self.heartbeatSeconds = heartbeatSeconds
            self.maxExamplesPerParticipant = maxExamplesPerParticipant
            self.excludeAfterInvalidReplies = excludeAfterInvalidReplies
        }

        enum CodingKeys: String, CodingKey {
            case roundDeadlineSeconds = "round_deadline_seconds", waitForParticipants = "wait_for_participants"
            case waitTimeoutSeconds = "wait_timeout_seconds", retryBackoffSeconds = "retry_backoff_seconds"
            case maxRetries = "max_retries", heartbeatSeconds = "heartbeat_seconds"
            case maxExamplesPerParticipant = "max_examples_per_participant"
            case excludeAfterInvalidReplies = "exclude_after_invalid_replies"
        }
    }
}
