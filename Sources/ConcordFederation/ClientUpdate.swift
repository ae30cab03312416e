import ConcordNN

/// What the coordinator asks of a participant for one round of training.
public struct FitInstruction: Sendable, Equatable, Codable {
    /// The round number, from 1.
    public var round: Int
    /// The global parameters to start from.
    public var parameters: Parameters
    /// How to train locally.
    public var config: FitConfig
    /// A drift correction added to every local gradient, in layout order (SCAFFOLD's c − c_i); nil for none.
    public var correction: [Float]?
    /// The SHA-256 of the charter the coordinator runs the round under; nil without one. A participant that
    /// signed a charter refuses a round under another, or under none.
    public var charterHash: String?
    /// Whether the round's update is securely aggregated, so a participant can hold it to a charter that requires it.
    public var secureAggregation: Bool

    /// Creates an instruction.
    public init(
        round: Int, parameters: Parameters, config: FitConfig, correction: [Float]? = nil, charterHash: String? = nil,
        secureAggregation: Bool = false
    ) {
        self.round = round
        self.parameters = parameters
        self.config = config
        self.correction = correction
        self.charterHash = charterHash
        self.secureAggregation = secureAggregation
    }
}

/// Local training settings for one round (FedAvg's E, B and learning rate, plus a seed).
public struct FitConfig: Sendable, Equatable, Codable {
    /// Passes over the participant's data (E).
    public var localEpochs: Int
    /// Examples per step (B); 0 means the whole local dataset as one batch (the paper's B = ∞).
    public var batchSize: Int
    /// The local SGD step size.
    public var learningRate: Float
    /// Seeds the participant's shuffling, so a run is reproducible whoever trains it.
    public var seed: UInt64
    /// FedProx's μ: the weight of the proximal term μ/2·‖w − w_global‖² added to the local loss (0: none).
    public var proximalMu: Float
    /// When set, the participant clips its update (new parameters minus the global ones) to this L2 norm
    /// before sending it, so the coordinator never sees an unclipped update (client-side DP clipping).
    public var clipNorm: Double?
    /// The differential-privacy mechanism protecting this round's release, when there is one: what a
    /// participant checks against the privacy it agreed to and accounts in its own ledger.
    public var privacy: PrivacyMechanism?
    /// Whether to report the mean loss gradient over the local data at the global parameters
    /// (SCAFFOLD's option I control variate), at the cost of one more pass over the data.
    public var reportsGradient: Bool
    /// Record-level differential privacy: when set, local training is DP-SGD (per-record clipping, noise and
    /// Poisson sampling of the records, Abadi et al. 2016) instead of mini-batch SGD; the batch size and the
    /// local epochs' shuffling then do not apply, and each epoch is round(1/q) steps.
    public var recordPrivacy: DPSGDConfiguration?
    /// The δ at which a participant training with ``recordPrivacy`` states its cumulative ε (the run's).
    public var recordPrivacyDelta: Double?

    /// Creates a configuration.
    public init(
        localEpochs: Int, batchSize: Int, learningRate: Float, seed: UInt64, proximalMu: Float = 0,
        clipNorm: Double? = nil
    ) {
        self.localEpochs = localEpochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
        self.proximalMu = proximalMu
        self.clipNorm = clipNorm
        self.privacy = nil
        self.reportsGradient = false
        self.recordPrivacy = nil
        self.recordPrivacyDelta = nil
    }
}

/// A participant's answer to a ``FitInstruction``.
public struct ClientUpdate: Sendable, Equatable, Codable {
    /// The locally trained parameters.
    public var parameters: Parameters
    /// How many examples they were trained on (FedAvg's weight n_k).
    public var exampleCount: Int
    /// How many local SGD steps produced them (SCAFFOLD's K; fewer than asked for partial work).
    public var steps: Int
    /// The mean loss gradient over the local data at the global parameters, when the instruction asked.
    public var gradient: [Float]?
    /// Anything the participant reports, e.g. "loss"; with client-side clipping, "update_norm" (before
    /// clipping) and "unclipped" (1 when the update was within the clip norm, else 0).
    public var metrics: [String: Double]
    /// The participant's signed receipt for these parameters, when it enforces a charter.
    public var receipt: UpdateReceipt?

    /// Creates an update.
    public init(parameters: Parameters, exampleCount: Int, steps: Int = 0, metrics: [String: Double] = [:]) {
        self.parameters = parameters
        self.exampleCount = exampleCount
        self.steps = steps
        self.gradient = nil
        self.metrics = metrics
        self.receipt = nil
    }
}

/// The outcome of evaluating parameters on some data.
public struct EvaluationResult: Sendable, Equatable, Codable {
    /// Mean loss.
    public var loss: Double
    /// Top-1 accuracy in [0, 1].
    public var accuracy: Double
    /// Examples evaluated.
    public var exampleCount: Int
    /// AUC, precision and recall of a binary model over all the examples; nil for other models (and for
    /// aggregates of several participants' evaluations, whose AUCs do not combine).
    public var binary: BinaryClassificationMetrics?

    /// Creates a result.
    public init(loss: Double, accuracy: Double, exampleCount: Int, binary: BinaryClassificationMetrics? = nil) {
        self.loss = loss
        self.accuracy = accuracy
        self.exampleCount = exampleCount
        self.binary = binary
    }
}

/// The parameters of a round's Gaussian mechanism, as the coordinator announces them to participants.
public struct PrivacyMechanism: Sendable, Equatable, Codable {
    /// The sampling rate the round is accounted with (1: no amplification claimed).
    public var samplingRate: Double
    /// The noise multiplier z of the round.
    public var noiseMultiplier: Double
    /// The δ at which ε is stated.
    public var delta: Double
    /// The clip norm C.
    public var clipNorm: Double

    /// Creates a description.
    public init(samplingRate: Double, noiseMultiplier: Double, delta: Double, clipNorm: Double) {
        self.samplingRate = samplingRate
        self.noiseMultiplier = noiseMultiplier
        self.delta = delta
        self.clipNorm = clipNorm
    }
}
