import ConcordData
import ConcordFederation
import ConcordNN
import ConcordPlan
import ConcordPrivacy
import ConcordStore
import ConcordWire
import Foundation

/// The coordinator process's work: serve the federation, run its rounds with the same ``Coordinator``
/// and strategies the simulation uses, and commit every round to the run store, so that a coordinator
/// killed at any instant and restarted resumes from the last committed round with the same strategy
/// state (and, since every draw derives from the seed and the round number, the same random state).
///
/// A round with fewer results than `min_fit_results` (or `min_fit_fraction` of those sampled) is not
/// committed: it is run again from the last committed state (the same participants are sampled, so a
/// retry is the same round) after a wait that doubles with each failure, and after `max_retries` failed
/// tries the run pauses until every participant is connected again. Each failure is logged with the
/// participants that failed and why; a participant whose replies are invalid
/// `exclude_after_invalid_replies` times in a row is excluded for the rest of the run, and the
/// exclusion is recorded in the store (a restarted coordinator keeps it).
public struct FederationRun: Sendable {
    /// The run's settings.
    public let config: FederationConfig
    /// The configuration file's text, stored with the run (what runs stored before plans are compared by).
    public let configurationText: String
    /// What the run computes; stored with the run, and compared field by field with the stored one on a resume.
    public let plan: RunPlan
    /// Fields of the plan whose change a resume accepts (each one of ``PlanDifference/safeFields``).
    public let acceptChanged: Set<String>
    /// The strategy, built from the plan (wrapped in differential privacy when it asks); the rounds run it with the
    /// run's noise key from the store.
    public let strategy: any Strategy
    /// Secure aggregation, when the plan asks for it.
    public let secureSummation: (any SecureSummation)?
    /// How the coordinator's endpoint is secured.
    public let security: WireSecurity
    /// Opens the store where runs are persisted: called once the endpoint listens, so that a coordinator
    /// that cannot listen leaves no trace in it.
    private let openStore: @Sendable () throws -> any RunStore
    /// Where to serve the dashboard and `/metrics`, when asked for.
    public let dashboard: DashboardRequest?
    /// The charter the run is under, with the coordinator's signing key for its audit log; nil for none.
    public let governance: CoordinatorGovernance?
    let log: @Sendable (String) -> Void

    /// Prepares a run, building its components from `plan`.
    ///
    /// - Parameters:
    ///   - plan: what the run computes (``FederationConfig/plan(dp:secureAggregation:sampling:charter:)``).
    ///   - acceptChanged: plan fields a resume may find changed (`--accept-changed`).
    ///   - openStore: opens (or creates) the run store; called only after the endpoint is bound.
    ///   - dashboard: where to serve the dashboard, started once the store is open; nil for none.
    /// - Throws: ``ConcordPlan/PlanError`` for a plan that does not validate or an accepted field that is not
    ///   safe to change; the strategy's refusal of its privacy wrapping.
    public init(
        config: FederationConfig, configurationText: String, plan: RunPlan, acceptChanged: Set<String> = [],
        security: WireSecurity, openStore: @escaping @Sendable () throws -> any RunStore,
        dashboard: DashboardRequest? = nil, governance: CoordinatorGovernance? = nil,
        log: @escaping @Sendable (String) -> Void
    ) throws {
        self.governance = governance
        try plan.validate()
        if let unsafe = acceptChanged.sorted().first(where: { !PlanDifference.safeFields.contains($0) }) {
            throw PlanError.notSafeToChange(field: unsafe, safe: PlanDifference.safeFields)
        }
        self.config = config
        self.configurationText = configurationText
        self.plan = plan
        self.acceptChanged = acceptChanged
        self.strategy = try plan.makeStrategy()
        self.secureSummation = plan.makeSecureSummation()
        self.security = security
        self.openStore = openStore
        self.dashboard = dashboard
        self.log = log
    }

    /// What a finished run leaves.
    public struct Outcome: Sendable {
        /// The final global parameters.
        public var parameters: Parameters
        /// Every committed round.
        public var records: [RoundRecord]
        /// Why the run ended.
        public var end: RunOutcome
        /// Why the run ended, as the log says it.
        public var reason: String { end.description }
        /// The shape of one example the model takes (the evaluation data's), to rebuild the model.
        public var exampleShape: [Int]
        /// The number of classes the model predicts.
        public var classCount: Int
        /// Whether an operator stopped the run (`concord run stop`) before its last round: it resumes where it
        /// is when served again with the same configuration.
        public var stopped: Bool {
            if case .stopped = end { return true }
            return false
        }
    }

    /// Serves and runs rounds until the run is complete (or was already), then says farewell to the nodes.
    ///
    /// The endpoint is bound first: an address that cannot be listened on fails the run before the store
    /// is opened (and the evaluation data is loaded before that, so a bad evaluation file leaves no trace in the
    /// store either). Once the run's row exists, an error that ends the run (a model too large for memory, a
    /// store that cannot be written) marks it ``RunState/failed`` with the error's description before it is
    /// rethrown.
    /// - Parameter onListening: called with the bound port once the endpoint listens; an error it throws
    ///   ends the run.
    /// - Throws: ``WireError/cannotListen(endpoint:reason:)`` when the address cannot be listened on, and
    ///   the store's and the evaluation data's errors.
    /// - Parameter onFlowerListening: called with the Flower listener's port once it listens (with
    ///   `flower_listen` only).
    public func run(
        onListening: @Sendable (Int) throws -> Void = { _ in },
        onFlowerListening: @Sendable (Int) throws -> Void = { _ in }
    ) async throws -> Outcome {
        // A tabular run's evaluation table is read (and checked against the schema) now, encoded once the
        // federation has agreed its standardisation.
        let data = try RunData.load(config: config, tabular: plan.tabular)
        let registry = try ParticipantRegistry(names: config.participants, model: config.model)
        guard let address = config.listenAddress else { throw ConfigError(path: "listen", problem: config.listen) }
        let events = EventRecorder(log: log)
        let server = try CoordinatorServer(
            host: address.host, port: address.port, security: security, registry: registry,
            settings: ServiceSettings(
                run: config.run, exampleShape: data.exampleShape, classCount: data.classCount,
                heartbeatInterval: .seconds(config.heartbeatSeconds),
                maxExamplesPerParticipant: config.maxExamplesPerParticipant, tableSchema: plan.tabular?.schema),
            onEvent: { events.record($0) })
        let serving = Task { try await server.serve() }
        let flower: (server: FlowerServer, serving: Task<Void, any Error>)?
        do {
            flower = try startFlower(
                registry: registry, exampleShape: data.exampleShape, classCount: data.classCount, events: events)
        } catch {
            await server.shutDown(serving: serving, grace: .seconds(1))
            throw error
        }
        do {
            let store = try openStore()
            // UInt64.random draws from the system's CSPRNG.
            let (accepted, log) = (self.acceptChanged, self.log)
            // A resumed tabular run keeps the standardisation its pre-round agreed (stored with its plan).
            let plan = try planKeepingStandardisation(store: store)
            let stored = try store.openRun(
                name: config.run, configuration: configurationText, plan: try plan.canonicalJSON(),
                seed: config.seed ?? .random(in: .min ... .max)
            ) { storedPlan in
                for change in try plan.checkResume(of: RunPlan(canonicalJSON: storedPlan), accepting: accepted) {
                    log("resuming with a changed \(change) (accepted)")
                }
            }
            do {
                events.attach(store: store, run: stored.id)
                for (name, reason) in try store.exclusions(run: stored.id) {
                    registry.participant(named: name)?.exclude(because: reason)
                }
                // A run stored without a seed was created before seeds were stored, when the default was 1.
                let seed = stored.seed ?? config.seed ?? 1
                // The strategy as validated when the run was prepared, with the run's noise key (made now, before
                // anyone can connect, when the run is new).
                let noiseKey = try plan.dp.map { _ in try RunNoiseKey(bytes: store.noiseKey(run: stored.id)) }
                let strategy = try plan.makeStrategy(noiseKey: noiseKey)
                // Checked against the memory budget before anything is allocated: a model too large is refused here,
                // and the run is marked failed with the reason.
                let network = try plan.makeModel(
                    inputShape: data.exampleShape, classes: data.classCount, seed: seed, tabular: plan.tabular)
                let audit = try governance?.audit(
                    request: plan.runRequest(layout: network.layout), store: store, runID: stored.id,
                    participants: config.participants)
                try onListening(server.port)
                log("listening on \(address.host):\(server.port) for \(config.participants.count) participants")
                if let flower, let flowerAddress = config.flowerListenAddress {
                    try onFlowerListening(flower.server.port)
                    log("listening for Flower clients on \(flowerAddress.host):\(flower.server.port)")
                }
                let live = LiveRunStatus(names: config.participants) {
                    Set(registry.participants.filter(\.isConnected).map(\.name))
                }
                let dashboardServer = try await startDashboard(
                    store: store, live: live, traffic: server.traffic)
                do {
                    let test = try await prepare(
                        data, plan: plan, registry: registry, store: store, runID: stored.id, seed: seed)
                    let outcome = try await rounds(
                        server: server, serving: serving, registry: registry, strategy: strategy,
                        initial: Parameters(model: network), network: network, test: test,
                        exampleShape: data.exampleShape, classCount: data.classCount,
                        store: store, runID: stored.id, seed: seed, live: live, audit: audit)
                    await dashboardServer?.stop()
                    // After the farewell: Flower clients were told to shut down, and their streams end.
                    if let flower { await flower.server.shutDown(serving: flower.serving) }
                    return outcome
                } catch {
                    await dashboardServer?.stop()
                    throw error
                }
            } catch {
                record(error, in: store, run: stored.id)
                throw error
            }
        } catch {
            await server.shutDown(serving: serving, grace: .seconds(1))
            if let flower { await flower.server.shutDown(serving: flower.serving, grace: .seconds(1)) }
            throw error
        }
    }

    /// Marks the run failed with `error`'s description, so that `concord status` does not show a run that ended
    /// on an error as running; a cancellation pauses it instead (the run was stopped, nothing went wrong). When
    /// even that cannot be written, says so in the log: the error that ended the run is still the one thrown.
    private func record(_ error: any Error, in store: any RunStore, run: Int64) {
        do {
            if error is CancellationError {
                try store.setState(run: run, .paused, reason: "the coordinator was stopped")
            } else {
                try store.setState(run: run, .failed, reason: "\(error)")
            }
        } catch let storeError {
            log("cannot mark run '\(config.run)' failed in the store: \(storeError)")
        }
    }

    /// Runs the rounds left, committing each, then says farewell and shuts the endpoint down.
    private func rounds(
        server: CoordinatorServer, serving: Task<Void, any Error>, registry: ParticipantRegistry,
        strategy: any Strategy, initial: Parameters, network: Sequential, test: Dataset?, exampleShape: [Int],
        classCount: Int, store: any RunStore, runID: Int64, seed: UInt64, live: LiveRunStatus, audit: FederationAudit?
    ) async throws -> Outcome {
        let log = self.log

        // One model instance evaluates: the coordinator holds as few copies of a large model as it can.
        let evaluator = test.map {
            PooledEvaluator(test: $0, pool: WorkerPool([TrainingWorker(model: network)]), parts: 8)
        }
        let (plan, secureSummation) = (self.plan, self.secureSummation)
        /// A coordinator at the last committed round, sampling only the participants not excluded.
        @Sendable func coordinator() throws -> Coordinator {
            let participants: [any ClientProxy] = registry.participants.filter { $0.exclusion == nil }
            // A run that required more results than are left after exclusions asks for all that are left.
            var configuration = plan.coordinatorConfiguration(
                available: participants.count, seed: seed, secureSummation: secureSummation)
            if let governance {
                configuration.charterHash = governance.charter.hash
                configuration.updateCheck = governance.receiptCheck(participants: config.participants)
            }
            if let checkpoint = try store.latestCheckpoint(run: runID) {
                return try Coordinator(
                    resuming: checkpoint, strategy: strategy, participants: participants,
                    configuration: configuration, evaluator: evaluator)
            }
            return try Coordinator(
                strategy: strategy, participants: participants, initialParameters: initial,
                configuration: configuration, evaluator: evaluator)
        }

        /// A coordinator at the last committed round, its rounds recorded in the audit log.
        @Sendable func audited() async throws -> Coordinator {
            let made = try coordinator()
            if let audit { await made.observe(with: audit) }
            return made
        }

        var current = try await audited()
        var following = await follow(current, into: live)
        defer { following.cancel() }
        var completed = await current.history.count
        if completed > 0 { log("resuming run '\(config.run)' after round \(completed) of \(config.rounds)") }
        let waitFor = config.waitForParticipants ?? config.participants.count
        var failures = 0
        var end = RunOutcome.completed(rounds: config.rounds)
        try withdrawStaleStop(store: store, runID: runID)
        rounds: while completed < config.rounds {
            if let stop = try await obeyOperator(store: store, runID: runID, completed: completed) {
                end = .stopped(reason: stop)
                break
            }
            // Excluded participants are never waited for.
            let eligible = registry.participants.count { $0.exclusion == nil }
            let needed = min(failures > config.maxRetries ? config.participants.count : waitFor, eligible)
            if !(await registry.waitUntilConnected(
                needed, timeout: .seconds(config.waitTimeoutSeconds)))
            {
                let why = "waiting for participants: \(registry.connectedCount) of the \(needed) needed are connected"
                try store.setState(run: runID, .paused, reason: why)
                log("paused: \(why)")
                continue
            }
            try store.setState(run: runID, .running, reason: nil)
            let round = completed + 1
            let driven = await current.drive(forceEvaluation: round == config.rounds)
            let excluded = try excludeFaulty(registry, store: store, runID: runID)
            let record: RoundRecord
            switch driven {
            case .budgetExhausted(let reason):
                end = .budgetExhausted(reason: reason)
                break rounds
            case .completed(let done):
                record = done
            case .tooFewResults(let record):
                let error = record.error ?? "too few results"
                failures += 1
                let wait = config.retryBackoffSeconds * Double(1 << min(failures - 1, 6))
                log(
                    "round \(round) failed (\(error))\(Self.failed(record, registry)); "
                        + (failures > config.maxRetries
                            ? "paused until all \(eligible) participants not excluded are connected"
                            : String(format: "retrying from the last committed round in %.1f s", wait)
                                + " (try \(failures + 1))"))
                if failures > config.maxRetries {
                    try store.setState(run: runID, .paused, reason: "round \(round) failed \(failures) times: \(error)")
                }
                live.failedTry("round \(round), try \(failures): \(error)")
                try recordFailures(record, registry, store: store, runID: runID)
                try await Task.sleep(for: .seconds(wait))
                current = try await audited()
                following.cancel()
                following = await follow(current, into: live)
                continue
            }
            failures = 0
            let checkpoint = try await current.checkpoint()
            if let audit {
                try await audit.commit(round: round) { lines in
                    try store.commitRound(run: runID, record: record, checkpoint: checkpoint, auditLines: lines)
                }
            } else {
                try store.commitRound(run: runID, record: record, checkpoint: checkpoint)
            }
            completed = round
            log(Self.summary(record, of: config.rounds, registry))
            if plan.tabular != nil {
                await evaluateOnNodes(round: round, parameters: await current.parameters, registry)
            }
            try recordFailures(record, registry, store: store, runID: runID)
            // From the next round on, the excluded are not sampled.
            if excluded {
                current = try await audited()
                following.cancel()
                following = await follow(current, into: live)
            }
        }
        if case .stopped(let reason) = end {
            // No farewell: the nodes keep reconnecting, and rejoin the coordinator that resumes the run.
            log(reason)
            server.stop()
            server.hangUp()
            await server.shutDown(serving: serving)
            return Outcome(
                parameters: await current.parameters, records: try store.rounds(run: runID), end: end,
                exampleShape: exampleShape, classCount: classCount)
        }
        // Every round ran, or the strategy refused the next (its privacy budget): either way the run is over.
        if let audit {
            try await audit.finish(model: await current.parameters, round: completed)
            if let path = governance?.auditLogPath { log("the run's signed audit log is sealed and written to \(path)") }
        }
        try store.setState(run: runID, .finished, reason: end.description)
        server.farewell("run '\(config.run)' is over: \(end)")
        await server.shutDown(serving: serving)
        return Outcome(
            parameters: await current.parameters, records: try store.rounds(run: runID), end: end,
            exampleShape: exampleShape, classCount: classCount)
    }

    /// Excludes every participant whose replies were invalid too many times in a row, and records it.
    ///
    /// - Returns: whether anyone was excluded.
    func excludeFaulty(_ registry: ParticipantRegistry, store: any RunStore, runID: Int64) throws -> Bool {
        guard config.excludeAfterInvalidReplies > 0 else { return false }
        var excluded = false
        for participant in registry.participants where participant.exclusion == nil {
            let (count, last) = participant.invalidReplies
            guard count >= config.excludeAfterInvalidReplies else { continue }
            let reason = "\(count) invalid replies in a row; the last: \(last ?? "?")"
            participant.exclude(because: reason)
            try store.recordParticipantEvent(run: runID, participant: participant.name, kind: .excluded, detail: reason)
            log("\(participant.name): excluded from the run: \(reason)")
            excluded = true
        }
        return excluded
    }

    /// Records each failure of a committed round as its participant's latest event (`concord status` shows it): a node
    /// that refused the task (its charter, its ε cap) says why.
    private func recordFailures(
        _ record: RoundRecord, _ registry: ParticipantRegistry, store: any RunStore, runID: Int64
    ) throws {
        for failure in record.failures where registry.participants.indices.contains(failure.participant) {
            try store.recordParticipantEvent(
                run: runID, participant: registry.participants[failure.participant].name, kind: .failed,
                detail: "round \(record.round): \(failure.reason)")
        }
    }
}
