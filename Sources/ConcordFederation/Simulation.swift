import ConcordData
import ConcordNN
import ConcordTensor

/// The settings of a simulated federation (the FedAvg paper's K, C, E, B, η and rounds).
public struct SimulationSettings: Sendable, Equatable {
    /// Zoo model name.
    public var model: String
    /// Fraction C of participants per round.
    public var fraction: Double
    /// The least number of participants per round.
    public var minParticipants: Int
    /// Local epochs E.
    public var localEpochs: Int
    /// Local batch size B (0 for the whole local dataset).
    public var batchSize: Int
    /// Local learning rate η.
    public var learningRate: Float
    /// Central evaluation every this many rounds (the last round is always evaluated; 0: only the last).
    public var evalEvery: Int
    /// Seed of initialisation, sampling and every participant's shuffling.
    public var seed: UInt64
    /// Participants training at once (one per core, each with one BLAS thread).
    public var concurrency: Int
    /// How participants are sampled: a fixed fraction C, or each with probability C.
    public var sampling: SamplingMethod
    /// The least number of results for a round to count (0: aggregate even empty rounds).
    public var minFitResults: Int
    /// The attack that ``attackerFraction`` of the participants mount (none by default).
    public var attack: Attack?
    /// The fraction of participants that attack: a fixed subset chosen from the seed.
    public var attackerFraction: Double
    /// The loss the zoo ``model`` trains with (softmax cross-entropy when nil).
    public var loss: ModelLoss?
    /// A described model, built instead of the zoo's ``model`` when set (it carries its own loss).
    public var modelDescription: ModelDescription?

    /// Creates settings.
    public init(
        model: String, fraction: Double, minParticipants: Int = 1, localEpochs: Int, batchSize: Int,
        learningRate: Float, evalEvery: Int = 1, seed: UInt64, concurrency: Int, sampling: SamplingMethod = .fixed,
        minFitResults: Int = 1, attack: Attack? = nil, attackerFraction: Double = 0, loss: ModelLoss? = nil,
        modelDescription: ModelDescription? = nil
    ) {
        self.loss = loss
        self.modelDescription = modelDescription
        self.sampling = sampling
        self.minFitResults = minFitResults
        self.model = model
        self.fraction = fraction
        self.minParticipants = minParticipants
        self.localEpochs = localEpochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.evalEvery = evalEvery
        self.seed = seed
        self.concurrency = concurrency
        self.attack = attack
        self.attackerFraction = attackerFraction
    }
}

/// Many virtual participants in one process, driven by the same ``Coordinator`` and strategies a real
/// federation uses; only the ``ClientProxy`` (``LocalParticipant``) differs.
///
/// Participants train concurrently, one per worker; memory grows with the workers, not with the number
/// of participants: a participant is its id and its rows of the shared dataset (``DatasetView``), it
/// trains on a worker's model, and batches are gathered from the shared dataset through its rows, never
/// from a copy of its examples. The same seed gives bit-identical
/// parameters whatever `concurrency` is: every participant's work depends only on its own seed, and
/// results are aggregated in participant order.
public struct Simulation: Sendable {
    /// The coordinator running the rounds.
    public let coordinator: Coordinator
    /// The settings it was built with.
    public let settings: SimulationSettings
    /// The number of participants.
    public let participantCount: Int
    /// The participants that attack (empty without an attack).
    public let attackers: Set<Int>

    /// Builds the workers, the participants and the coordinator.
    ///
    /// - Parameters:
    ///   - data: the participants' data.
    ///   - test: the coordinator's test set for central evaluation.
    ///   - strategy: the strategy; FedAvg with the settings' E, B, η when nil.
    ///   - checkpoint: a checkpoint of an earlier run with the same settings and strategy type to continue.
    ///   - wrap: puts each participant behind another proxy (its own charter checks, the participant's
    ///     side of secure aggregation).
    ///   - secureSummation: collects only the sum of the updates (secure aggregation); participants must
    ///     then be wrapped to speak its protocol.
    ///   - configuration: the coordinator's configuration as a run plan builds it (the same builder a federation
    ///     uses); nil derives it from `settings`.
    ///   - recordPrivacy: the sampling and noise source of record-level DP-SGD at every participant; nil refuses
    ///     rounds that ask for it.
    /// - Throws: a model or configuration error.
    public init(
        settings: SimulationSettings, data: any ParticipantData, test: any HeldOutData,
        strategy: (any Strategy)? = nil, resuming checkpoint: Checkpoint? = nil,
        wrap: (@Sendable (any ClientProxy) -> any ClientProxy)? = nil,
        secureSummation: (any SecureSummation)? = nil, configuration: CoordinatorConfiguration? = nil,
        recordPrivacy: (any RecordPrivacyRandomness)? = nil
    ) throws {
        guard settings.concurrency >= 1 else { throw FederationError.invalidConfiguration("concurrency must be ≥ 1") }
        guard settings.evalEvery >= 0 else { throw FederationError.invalidConfiguration("evalEvery must be ≥ 0") }
        guard settings.fraction > 0, settings.fraction <= 1 else {
            throw FederationError.invalidConfiguration(
                "the participant fraction must be in (0, 1], got \(settings.fraction)")
        }
        guard data.participantCount >= 1 else { throw FederationError.invalidConfiguration("no participants") }
        guard (0...1).contains(settings.attackerFraction) else {
            throw FederationError.invalidConfiguration(
                "the attacker fraction must be in [0, 1], got \(settings.attackerFraction)")
        }
        let workers = try (0..<settings.concurrency).map { _ in
            TrainingWorker(model: try settings.makeModel(inputShape: test.exampleShape, classes: test.classCount))
        }
        let parameters = Parameters(model: workers[0].model)
        let pool = WorkerPool(workers)
        let attackers =
            settings.attack == nil
            ? []
            : Attackers.choose(fraction: settings.attackerFraction, count: data.participantCount, seed: settings.seed)
        let data: any ParticipantData =
            settings.attack == .labelFlip ? LabelFlippedData(honest: data, attackers: attackers) : data
        let participants: [any ClientProxy] = (0..<data.participantCount).map { id in
            let honest = LocalParticipant(id: id, data: data, pool: pool, recordPrivacy: recordPrivacy)
            let participant: any ClientProxy
            if let attack = settings.attack, attack.poisonsModel, attackers.contains(id) {
                participant = AttackingClient(honest: honest, attack: attack)
            } else {
                participant = honest
            }
            return wrap?(participant) ?? participant
        }
        let configuration = configuration ?? CoordinatorConfiguration(
            sampler: settings.sampling == .poisson
                ? PoissonSampler(probability: settings.fraction)
                : FractionSampler(fraction: settings.fraction, minimum: settings.minParticipants),
            minFitResults: settings.minFitResults,
            // 0 asks for the last round only, which the coordinator always evaluates when evalEvery > 0.
            evalEvery: settings.evalEvery == 0 ? Int.max : settings.evalEvery, seed: settings.seed,
            secureSummation: secureSummation)
        let strategy =
            strategy
            ?? FedAvg(
                localEpochs: settings.localEpochs, batchSize: settings.batchSize, learningRate: settings.learningRate)
        let evaluator = PooledEvaluator(test: test, pool: pool, parts: Self.evaluationParts)
        if let checkpoint {
            coordinator = try Coordinator(
                resuming: checkpoint, strategy: strategy, participants: participants, configuration: configuration,
                evaluator: evaluator)
        } else {
            coordinator = try Coordinator(
                strategy: strategy, participants: participants, initialParameters: parameters,
                configuration: configuration, evaluator: evaluator)
        }
        self.settings = settings
        self.participantCount = data.participantCount
        self.attackers = attackers
    }

    /// Test-set chunks evaluated concurrently: fixed, so that reported metrics do not depend on the cores.
    static let evaluationParts = 8

    /// Runs up to `rounds` rounds, stopping at the first evaluated round that reaches `targetAccuracy` or when
    /// the strategy refuses a round.
    ///
    /// - Returns: the rounds run and why the run ended.
    public func run(rounds: Int, targetAccuracy: Double? = nil) async -> RunResult {
        await coordinator.run(rounds: rounds, targetAccuracy: targetAccuracy)
    }
}

/// Participants given as separate datasets, one each.
public struct ParticipantDatasets: ParticipantData {
    /// The participants' datasets.
    public let datasets: [Dataset]

    /// Wraps datasets.
    public init(_ datasets: [Dataset]) { self.datasets = datasets }

    /// The number of datasets.
    public var participantCount: Int { datasets.count }

    /// Dataset `index`.
    public func trainingData(of index: Int) -> Dataset { datasets[index] }
}

extension ClientPartition: ParticipantData {
    /// The number of clients.
    public var participantCount: Int { clientCount }

    /// Client `index`'s examples, gathered now.
    public func trainingData(of index: Int) -> Dataset { client(index) }

    /// Client `index`'s rows of the shared dataset, nothing copied.
    public func trainingView(of index: Int) -> DatasetView { view(index) }
}

extension SyntheticFedProxDevices: ParticipantData {
    /// The number of devices.
    public var participantCount: Int { deviceCount }

    /// Device `index`'s training examples, generated now.
    public func trainingData(of index: Int) -> Dataset { device(index) }
}
