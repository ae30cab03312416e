import ConcordNN

/// What a coordinator is about to run, as the charter checks it (``Charter/check(_:)``).
public struct RunRequest: Sendable, Equatable {
    /// The model's zoo name.
    public var model: String
    /// The SHA-256 of the model's parameter layout (``ConcordNN/ParameterLayout/sha256``).
    public var layoutHash: String
    /// The strategy, as ``ConcordFederation/StrategySpecification`` text.
    public var strategy: String
    /// The number of rounds.
    public var rounds: Int
    /// The noise multiplier z of the Gaussian mechanism; nil for a run without differential privacy.
    public var noiseMultiplier: Double?
    /// The δ the run states its ε at.
    public var delta: Double
    /// The run's ε budget; nil for a run without one.
    public var epsilonBudget: Double?
    /// Whether updates are securely aggregated.
    public var secureAggregation: Bool
    /// Whom the run's DP protects: for `record`, ``noiseMultiplier`` is DP-SGD's σ and ``epsilonBudget`` each
    /// node's record-level ε after the last round.
    public var level: Charter.PrivacyLevel

    /// Describes a run.
    public init(
        model: String, layoutHash: String, strategy: String, rounds: Int, noiseMultiplier: Double?, delta: Double,
        epsilonBudget: Double?, secureAggregation: Bool, level: Charter.PrivacyLevel = .user
    ) {
        self.level = level
        self.model = model
        self.layoutHash = layoutHash
        self.strategy = strategy
        self.rounds = rounds
        self.noiseMultiplier = noiseMultiplier
        self.delta = delta
        self.epsilonBudget = epsilonBudget
        self.secureAggregation = secureAggregation
    }

    /// Describes a run of a model with `layout`.
    public init(
        model: String, layout: ParameterLayout, strategy: String, rounds: Int, noiseMultiplier: Double?,
        delta: Double, epsilonBudget: Double?, secureAggregation: Bool, level: Charter.PrivacyLevel = .user
    ) {
        self.init(
            model: model, layoutHash: layout.sha256, strategy: strategy, rounds: rounds,
            noiseMultiplier: noiseMultiplier, delta: delta, epsilonBudget: epsilonBudget,
            secureAggregation: secureAggregation, level: level)
    }
}

/// What a participant receives for one round, as it checks it against the charter it signed
/// (``Charter/check(task:)``) before it trains.
public struct ParticipantTask: Sendable, Equatable {
    /// The hash of the charter the coordinator says it runs under; nil when the message does not say.
    public var charterHash: String?
    /// The round number (1-based).
    public var round: Int
    /// The SHA-256 of the layout of the parameters sent.
    public var layoutHash: String
    /// The probability that a participant is sampled in the round (its privacy amplification).
    public var samplingRate: Double
    /// The noise multiplier z; nil when the round adds no noise.
    public var noiseMultiplier: Double?
    /// The δ of the run.
    public var delta: Double
    /// Whether the round securely aggregates.
    public var secureAggregation: Bool
    /// Whom the round's DP protects: for `record`, ``samplingRate`` and ``noiseMultiplier`` are DP-SGD's per-record
    /// q and σ.
    public var level: Charter.PrivacyLevel

    /// Describes a round's task.
    public init(
        charterHash: String?, round: Int, layoutHash: String, samplingRate: Double, noiseMultiplier: Double?,
        delta: Double, secureAggregation: Bool, level: Charter.PrivacyLevel = .user
    ) {
        self.level = level
        self.charterHash = charterHash
        self.round = round
        self.layoutHash = layoutHash
        self.samplingRate = samplingRate
        self.noiseMultiplier = noiseMultiplier
        self.delta = delta
        self.secureAggregation = secureAggregation
    }
}
