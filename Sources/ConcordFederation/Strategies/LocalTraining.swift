import ConcordNN

/// What every sampled participant is asked to do locally: E epochs of SGD with batch size B and step η,
/// with FedProx's proximal weight μ (0 for plain FedAvg).
public struct LocalTraining: Sendable, Equatable, Codable {
    /// Local epochs E.
    public var epochs: Int
    /// Local batch size B (0 for the whole local dataset, the paper's B = ∞).
    public var batchSize: Int
    /// Local learning rate η.
    public var learningRate: Float
    /// The proximal weight μ.
    public var proximalMu: Float
    /// Record-level DP-SGD at every participant, nil for ordinary local SGD.
    public var recordPrivacy: DPSGDConfiguration?
    /// The δ at which participants state their record-level ε.
    public var recordPrivacyDelta: Double?

    /// Creates local settings.
    public init(epochs: Int, batchSize: Int, learningRate: Float, proximalMu: Float = 0) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.proximalMu = proximalMu
    }

    /// The instructions for `participants`, each with its own seed derived from the round's; the
    /// participants in `partialEpochs` (stragglers) get that many epochs instead of E.
    func instructions(
        round: Int, parameters: Parameters, participants: [Int], seed: UInt64, partialEpochs: [Int: Int] = [:]
    ) -> [Int: FitInstruction] {
        var instructions: [Int: FitInstruction] = [:]
        for participant in participants {
            var config = FitConfig(
                localEpochs: partialEpochs[participant] ?? epochs, batchSize: batchSize, learningRate: learningRate,
                seed: Seeds.participant(seed, participant), proximalMu: proximalMu)
            config.recordPrivacy = recordPrivacy
            config.recordPrivacyDelta = recordPrivacyDelta
            instructions[participant] = FitInstruction(round: round, parameters: parameters, config: config)
        }
        return instructions
    }
}
