/// ConcordPlan: one typed description of a run, shared by `concord simulate` (built from flags) and
/// `concord serve` (built from the federation YAML, flags overriding), which builds every component of the run
/// (model, strategy with its privacy wrapping, sampler, secure summation, coordinator configuration), is checked
/// by one ``RunPlan/validate()``, and is stored with a federated run so that a resume under other settings is
/// refused field by field (``RunPlan/differences(from:)``).
import ConcordFederation

/// What a run computes: model, data, strategy and its wrappers (differential privacy, secure aggregation),
/// sampling, rounds, deadlines, evaluation and charter.
///
/// Its `Codable` form (snake_case keys, the federation YAML's names) is what a run store keeps; the defaults are
/// resolved when a plan is made (``init(model:dataset:partition:participants:participantNames:rounds:strategy:local:fraction:sampling:minFitResults:minFitFraction:dp:secureAggregation:evalEvery:targetAccuracy:seed:charter:federation:tabular:)``),
/// so the stored plan says what actually ran.
public struct RunPlan: Sendable, Equatable, Codable {
    /// The zoo model trained (`mlp`, `cnn`, `mlp:WIDTH`, …).
    public var model: String
    /// The data: for a simulation the dataset the participants' slices come from (a bundled name, a folder of IDX
    /// files, or `synthetic:ALPHA,BETA`); for a federation the coordinator's held-out evaluation data.
    public var dataset: String
    /// How a simulation splits the data (iid, shards, shards:K, dirichlet:ALPHA); nil for a federation, whose
    /// participants bring their own.
    public var partition: String?
    /// The number of participants K.
    public var participants: Int
    /// The participants of a federation by certificate common name (participant `i` is the `i`-th); nil in a
    /// simulation.
    public var participantNames: [String]?
    /// Rounds to run at most.
    public var rounds: Int
    /// The strategy and its server-side settings.
    public var strategy: StrategyChoice
    /// Local training: epochs E, batch size B, learning rate η.
    public var local: LocalChoice
    /// The fraction C of participants sampled each round (the probability q with Poisson sampling).
    public var fraction: Double
    /// How participants are sampled; Poisson by default with differential privacy (its accounting assumes it),
    /// fixed-size otherwise.
    public var sampling: SamplingMethod
    /// The least number of results for a round to count; by default 1, and 0 with differential privacy (a round
    /// of nobody still releases noise and is accounted for, as the accountant assumes).
    public var minFitResults: Int
    /// The least fraction of the round's sampled participants whose results it needs (rounded up); by default
    /// 0.5 unless `min_fit_results` is given.
    public var minFitFraction: Double
    /// Differential privacy (DP-FedAvg), nil for none.
    public var dp: DPChoice?
    /// Secure aggregation (SecAgg+), nil for none.
    public var secureAggregation: SecureAggregationChoice?
    /// Central evaluation every this many rounds; the last round always is (0: only the last).
    public var evalEvery: Int
    /// Stop at the first evaluated round whose test accuracy reaches this fraction; nil never stops early.
    public var targetAccuracy: Double?
    /// The run's seed; nil when a federation draws a secret one when the run is created (kept in its store).
    public var seed: UInt64?
    /// The charter in force the run must satisfy (its path), nil for none.
    public var charter: String?
    /// How a real federation waits, retries and excludes; nil in a simulation.
    public var federation: FederationChoice?
    /// A federation on tabular data: its schema and standardisation; nil for image data.
    public var tabular: TabularChoice?

    /// Makes a plan, resolving every default here and nowhere else.
    ///
    /// - Parameters:
    ///   - sampling: nil chooses Poisson with differential privacy, fixed-size otherwise.
    ///   - minFitResults: nil chooses 0 with differential privacy, 1 otherwise.
    ///   - minFitFraction: nil chooses 0.5 when `minFitResults` is nil, 0 when it is given.
    public init(
        model: String, dataset: String, partition: String? = nil, participants: Int,
        participantNames: [String]? = nil, rounds: Int, strategy: StrategyChoice, local: LocalChoice,
        fraction: Double, sampling: SamplingMethod? = nil, minFitResults: Int? = nil, minFitFraction: Double? = nil,
        dp: DPChoice? = nil, secureAggregation: SecureAggregationChoice? = nil, evalEvery: Int = 1,
        targetAccuracy: Double? = nil, seed: UInt64? = nil, charter: String? = nil,
        federation: FederationChoice? = nil, tabular: TabularChoice? = nil
    ) {
        self.tabular = tabular
        self.model = model
        self.dataset = dataset
        self.partition = partition
        self.participants = participants
        self.participantNames = participantNames
        self.rounds = rounds
        self.strategy = strategy
        self.local = local
        self.fraction = fraction
        self.sampling = sampling ?? (dp == nil ? .fixed : .poisson)
        self.minFitResults = minFitResults ?? (dp == nil ? 1 : 0)
        self.minFitFraction = minFitFraction ?? (minFitResults == nil ? 0.5 : 0)
        self.dp = dp
        self.secureAggregation = secureAggregation
        self.evalEvery = evalEvery
        self.targetAccuracy = targetAccuracy
        self.seed = seed
        self.charter = charter
        self.federation = federation
    }

    enum CodingKeys: String, CodingKey {
        case model, dataset, partition, participants, rounds, strategy, local, fraction, sampling, dp, seed, charter
        case federation, tabular
        case participantNames = "participant_names", minFitResults = "min_fit_results"
        case minFitFraction = "min_fit_fraction", secureAggregation = "secure_aggregation"
        case evalEvery = "eval_every", targetAccuracy = "target_accuracy"
    }
}
