import ConcordNN
import ConcordTensor
import Foundation

/// Evaluates global parameters on the coordinator's own held-out data.
public protocol CentralEvaluator: Sendable {
    /// Loss and accuracy of `parameters`.
    func evaluate(_ parameters: Parameters) async throws -> EvaluationResult
}

/// How the coordinator runs rounds.
public struct CoordinatorConfiguration: Sendable {
    /// Who trains each round.
    public var sampler: any ParticipantSampler
    /// The least number of results for a round to produce new parameters; 0 lets the strategy aggregate
    /// even an empty round (differential privacy releases noise every round).
    public var minFitResults: Int
    /// The least fraction of the round's sampled participants whose results it needs, rounded up
    /// (besides ``minFitResults``); 0 asks for none beyond that.
    public var minFitFraction: Double
    /// How long a round waits for participants; late answers are discarded and recorded.
    public var roundDeadline: Duration?
    /// Central evaluation every this many rounds (0: never).
    public var evalEvery: Int
    /// The run's seed: sampling and every participant's shuffling derive from it.
    public var seed: UInt64
    /// When set, updates are collected through it and the coordinator sees only their sum (secure
    /// aggregation); the round deadline then bounds each of its stages.
    public var secureSummation: (any SecureSummation)?
    /// The SHA-256 of the charter the run is under, stamped on every instruction; nil without one.
    public var charterHash: String?
    /// Checks each update before it is accepted (a participant's receipt, under a charter); a problem it returns
    /// makes the update that participant's failure, with the problem as the reason.
    public var updateCheck: (@Sendable (_ participant: Int, _ instruction: FitInstruction, _ update: ClientUpdate) -> String?)?

    /// Creates a configuration.
    public init(
        sampler: any ParticipantSampler, minFitResults: Int = 1, minFitFraction: Double = 0,
        roundDeadline: Duration? = nil, evalEvery: Int = 1, seed: UInt64, secureSummation: (any SecureSummation)? = nil,
        charterHash: String? = nil
    ) {
        self.charterHash = charterHash
        self.sampler = sampler
        self.minFitResults = minFitResults
        self.minFitFraction = minFitFraction
        self.roundDeadline = roundDeadline
        self.evalEvery = evalEvery
        self.seed = seed
        self.secureSummation = secureSummation
    }
}

/// Runs federated rounds: samples participants, sends them the global parameters, gathers their
/// results within a deadline, lets the strategy aggregate, evaluates, and publishes events.
///
/// Nothing here knows whether participants are in-process or remote: it talks only to ``ClientProxy``.
/// A participant that fails or misses the deadline is recorded, never fatal; a round with fewer than
/// `minFitResults` answers keeps the previous parameters.
public actor Coordinator {
    /// The strategy, with whatever state it carries between rounds.
    public private(set) var strategy: any Strategy
    /// The current global parameters.
    public private(set) var parameters: Parameters
    /// Every round run so far.
    public private(set) var history: [RoundRecord] = []
    let proxies: [Int: any ClientProxy]
    private let participantIDs: [Int]
    let configuration: CoordinatorConfiguration
    private let evaluator: (any CentralEvaluator)?
    private(set) var observer: (any RoundObserver)?
    private var subscribers: [UUID: AsyncStream<RoundEvent>.Continuation] = [:]

    /// Creates a coordinator.
    ///
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` for duplicate participant ids or a
    ///   `minFitResults` that no round could reach.
    public init(
        strategy: any Strategy, participants: [any ClientProxy], initialParameters: Parameters,
        configuration: CoordinatorConfiguration, evaluator: (any CentralEvaluator)? = nil
    ) throws {
        try self.init(
            strategy: strategy, participants: participants, parameters: initialParameters, history: [],
            configuration: configuration, evaluator: evaluator)
    }

    private init(
        strategy: any Strategy, participants: [any ClientProxy], parameters: Parameters, history: [RoundRecord],
        configuration: CoordinatorConfiguration, evaluator: (any CentralEvaluator)?
    ) throws {
        var proxies: [Int: any ClientProxy] = [:]
        for proxy in participants {
            guard proxies.updateValue(proxy, forKey: proxy.id) == nil else {
                throw FederationError.invalidConfiguration("participant id \(proxy.id) appears twice")
            }
        }
        guard configuration.minFitResults >= 0, configuration.minFitResults <= participants.count else {
            throw FederationError.invalidConfiguration(
                "minFitResults must be between 0 and the \(participants.count) participants, got \(configuration.minFitResults)"
            )
        }
        guard configuration.minFitFraction >= 0, configuration.minFitFraction <= 1 else {
            throw FederationError.invalidConfiguration(
                "minFitFraction must be in [0, 1], got \(configuration.minFitFraction)")
        }
        guard configuration.evalEvery >= 0 else {
            throw FederationError.invalidConfiguration("evalEvery must be ≥ 0")
        }
        if configuration.secureSummation != nil, !strategy.aggregatesWeightedSum {
            throw FederationError.invalidConfiguration(
                "secure aggregation reveals only the sum of the updates, and '\(strategy.name)' needs individual "
                    + "updates; use a strategy whose aggregate is a weighted sum (fedavg, fedavgm, fedprox, fedadam, "
                    + "fedyogi, fedadagrad)")
        }
        self.strategy = strategy
        self.parameters = parameters
        self.history = history
        self.proxies = proxies
        self.participantIDs = proxies.keys.sorted()
        self.configuration = configuration
        self.evaluator = evaluator
    }

    /// Creates a coordinator that continues a checkpointed run: the strategy's state, the parameters and
    /// the round history are the checkpoint's, so the next round is the one after the last committed.
    ///
    /// - Parameter strategy: a strategy of the same type as the checkpointed one (its state is replaced).
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` when the checkpoint's strategy state is not
    ///   that type's, or as ``init(strategy:participants:initialParameters:configuration:evaluator:)``.
    public init(
        resuming checkpoint: Checkpoint, strategy: any Strategy, participants: [any ClientProxy],
        configuration: CoordinatorConfiguration, evaluator: (any CentralEvaluator)? = nil
    ) throws {
        try self.init(
            strategy: try checkpoint.strategy(like: strategy), participants: participants,
            parameters: checkpoint.parameters, history: checkpoint.history, configuration: configuration,
            evaluator: evaluator)
    }

    /// The run's state after the last completed round, to resume from with
    /// ``init(resuming:strategy:participants:configuration:evaluator:)``.
    ///
    /// - Throws: an `EncodingError` when the strategy cannot encode its state.
    public func checkpoint() throws -> Checkpoint {
        try Checkpoint(parameters: parameters, strategy: strategy, history: history)
    }

    /// Sets the observer every later round reports to, inline (an audit log, a run store).
    public func observe(with observer: (any RoundObserver)?) { self.observer = observer }

    /// A stream of this coordinator's events from now on (each call gets its own stream).
    public func events() -> AsyncStream<RoundEvent> {
        let (stream, continuation) = AsyncStream<RoundEvent>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let key = UUID()
        subscribers[key] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(key) }
        }
        return stream
    }

    private func unsubscribe(_ key: UUID) { subscribers[key] = nil }

    func publish(_ event: RoundEvent) {
        for continuation in subscribers.values { continuation.yield(event) }
    }

    /// Evaluates the model a refusal leaves behind when its round was not an evaluation round, so a run
    /// stopped by its budget reports the accuracy of the model it ends with.
    func evaluateLastRoundIfNeeded(_ records: inout [RoundRecord]) async {
        guard let evaluator, configuration.evalEvery > 0, let last = history.indices.last,
            history[last].evaluation == nil
        else { return }
        let started = ContinuousClock.now
        do {
            history[last].evaluation = try await evaluator.evaluate(parameters)
        } catch {
            history[last].evaluationError = "\(error)"
        }
        history[last].evaluateSeconds += (ContinuousClock.now - started).seconds
        if let index = records.lastIndex(where: { $0.round == history[last].round }) { records[index] = history[last] }
    }

    /// Runs the next round, unless the strategy refuses it: then nobody is contacted, the returned record
    /// carries the refusal as its error and no round is added to the history.
    ///
    /// - Parameter forceEvaluation: evaluate centrally even if this is not an `evalEvery` round.
    @discardableResult
    public func runRound(forceEvaluation: Bool = false) async -> RoundRecord {
        let round = history.count + 1
        if let refusal = strategy.refusal(round: round) {
            return RoundRecord(
                round: round, sampled: [], succeeded: 0, failures: [], error: refusal, metrics: [:], fitSeconds: 0,
                aggregateSeconds: 0, evaluateSeconds: 0, seconds: 0)
        }
        let started = ContinuousClock.now
        let roundSeed = Seeds.round(configuration.seed, round)
        var generator = SeededGenerator(seed: roundSeed)
        let sampled = configuration.sampler.sample(round: round, available: participantIDs, generator: &generator)
        publish(.roundStarted(round: round, participants: sampled))
        var instructions = strategy.configureFit(
            round: round, parameters: parameters, participants: sampled,
            seed: roundSeed)
        for participant in instructions.keys {
            instructions[participant]?.charterHash = configuration.charterHash
            instructions[participant]?.secureAggregation = configuration.secureSummation != nil
        }
        await observer?.roundConfigured(round: round, participants: sampled, instructions: instructions)
        let fitStarted = ContinuousClock.now
        let collected = await collect(round: round, instructions: instructions)
        let fitDone = ContinuousClock.now

        var metrics: [String: Double] = [:]
        var error = collected.error
        if error == nil {
            // A failed aggregation changes nothing: the strategy's state (moments, control variates, the
            // privacy ledger) goes back to what it was, with the model.
            let saved = strategy
            do {
                let aggregate: AggregateResult
                if let sum = collected.sum {
                    aggregate = try strategy.aggregateSum(
                        round: round, current: parameters, sum: sum, failures: collected.failures)
                } else {
                    aggregate = try strategy.aggregateFit(
                        round: round, current: parameters, results: collected.results, failures: collected.failures)
                }
                guard aggregate.parameters.layout == parameters.layout,
                    aggregate.parameters.values.allSatisfy(\.isFinite)
                else {
                    throw FederationError.invalidConfiguration(
                        "the strategy produced non-finite or misshapen parameters (diverging training?)")
                }
                parameters = aggregate.parameters
                metrics = aggregate.metrics.merging(collected.metrics) { own, _ in own }
            } catch let failure {
                strategy = saved
                error = "aggregation failed: \(failure); the previous model is kept"
            }
        }
        let aggregated = ContinuousClock.now

        var evaluation: EvaluationResult?
        var evaluationError: String?
        let evaluate = configuration.evalEvery > 0 && (round % configuration.evalEvery == 0 || forceEvaluation)
        if evaluate, let evaluator {
            do {
                evaluation = try await evaluator.evaluate(parameters)
            } catch let failure {
                evaluationError = "\(failure)"
            }
        }
        let evaluated = ContinuousClock.now
        let federated = await federatedEvaluation(round: round)

        let record = RoundRecord(
            round: round, sampled: sampled, succeeded: error == nil ? collected.contributors : 0,
            failures: collected.failures,
            error: error, evaluation: evaluation, evaluationError: evaluationError,
            federatedEvaluation: federated, metrics: metrics, recordEpsilon: Self.recordEpsilon(collected.results),
            fitSeconds: (fitDone - fitStarted).seconds, aggregateSeconds: (aggregated - fitDone).seconds,
            evaluateSeconds: (evaluated - aggregated).seconds, seconds: (ContinuousClock.now - started).seconds)
        history.append(record)
        await observer?.roundFinished(record, parameters: parameters)
        publish(.roundFinished(record))
        return record
    }

    private func federatedEvaluation(round: Int) async -> EvaluationResult? {
        let chosen = strategy.configureEvaluate(round: round, parameters: parameters, available: participantIDs)
        guard !chosen.isEmpty else { return nil }
        let current = parameters
        let proxies = self.proxies
        var answers: [(participant: Int, result: EvaluationResult)] = []
        await withTaskGroup(of: (Int, EvaluationResult?).self) { group in
            for participant in chosen {
                guard let proxy = proxies[participant] else { continue }
                group.addTask { (participant, try? await proxy.evaluate(current)) }
            }
            for await (participant, result) in group {
                if let result { answers.append((participant, result)) }
            }
        }
        answers.sort { $0.participant < $1.participant }
        return strategy.aggregateEvaluate(round: round, results: answers)
    }
}
