/// What the coordinator asks of a participant for one round of training.
public struct FitInstruction: Sendable, Equatable, Codable {
    /// The round number, from 1.
    public var round: Int
    /// The global parameters to start from.
    public var parameters: Parameters
    /// How to train locally.
    public var config: FitConfig

    /// Creates an instruction.
    public init(round: Int, parameters: Parameters, config: FitConfig) {
        self.round = round
        self.parameters = parameters
        self.config = config
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

    /// Creates a configuration.
    public init(localEpochs: Int, batchSize: Int, learningRate: Float, seed: UInt64) {
        self.localEpochs = localEpochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
    }
}

/// A participant's answer to a ``FitInstruction``.
public struct ClientUpdate: Sendable, Equatable, Codable {
    /// The locally trained parameters.
    public var parameters: Parameters
    /// How many examples they were trained on (FedAvg's weight n_k).
    public var exampleCount: Int
    /// Anything the participant reports, e.g. "loss".
    public var metrics: [String: Double]

    /// Creates an update.
    public init(parameters: Parameters, exampleCount: Int, metrics: [String: Double] = [:]) {
        self.parameters = parameters
        self.exampleCount = exampleCount
        self.metrics = metrics
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

    /// Creates a result.
    public init(loss: Double, accuracy: Double, exampleCount: Int) {
        self.loss = loss
        self.accuracy = accuracy
        self.exampleCount = exampleCount
    }
}
