import ConcordData
import ConcordFederation
import ConcordPlan
import ConcordStore
import ConcordWire
import Foundation

/// A run on tabular data: the federated pre-round that agrees the standardisation over the wire (kept with the
/// run's plan, so a resumed run encodes every row as before), the central evaluation table, and the nodes'
/// evaluation of the global model on their own held-out rows after every round.
extension FederationRun {
    /// What the coordinator knows of the run's data before any node has joined.
    struct RunData: Sendable {
        /// One example's shape: the IDX test set's, or the schema's encoded width.
        var exampleShape: [Int]
        /// The number of classes.
        var classCount: Int
        /// The IDX test set; nil for a tabular run.
        var test: Dataset?
        /// A tabular run's central evaluation table, checked against the schema; nil without one.
        var table: TabularTable?

        /// Loads the IDX evaluation data, or reads a tabular run's evaluation table against its schema.
        ///
        /// - Throws: the loaders' errors, and ``ConcordData/TabularError`` naming the file, row and column.
        static func load(config: FederationConfig, tabular: RunPlan.TabularChoice?) throws -> RunData {
            guard let tabular else {
                let test = try DatasetSource(argument: config.evaluation).loadTest()
                return RunData(exampleShape: test.exampleShape, classCount: test.classCount, test: test)
            }
            let table = try config.evaluationTable.map {
                try TabularTable.read(contentsOf: URL(fileURLWithPath: $0), schema: tabular.schema)
            }
            return RunData(
                exampleShape: tabular.exampleShape, classCount: tabular.schema.classes.count, test: nil, table: table)
        }
    }

    /// The plan, with the standardisation a stored run of the same name and schema agreed, when the configuration
    /// fixes none: a resumed run encodes with the statistics of its first pre-round, never with new ones.
    func planKeepingStandardisation(store: any RunStore) throws -> RunPlan {
        var plan = self.plan
        guard var tabular = plan.tabular, tabular.standardisation == nil,
            let text = try store.runs().first(where: { $0.name == config.run })?.plan,
            let stored = try? RunPlan(canonicalJSON: text), let kept = stored.tabular, kept.schema == tabular.schema,
            let standardisation = kept.standardisation
        else { return plan }
        tabular.standardisation = standardisation
        plan.tabular = tabular
        return plan
    }

    /// The central test set: the IDX one, or, for a tabular run, its table encoded with the standardisation (fixed,
    /// kept from before, or agreed now by the pre-round and stored with the plan), which every participant's tasks
    /// then carry.
    func prepare(
        _ data: RunData, plan: RunPlan, registry: ParticipantRegistry, store: any RunStore, runID: Int64, seed: UInt64
    ) async throws -> Dataset? {
        guard var tabular = plan.tabular else { return data.test }
        let standardisation: Standardisation
        if let known = tabular.standardisation {
            standardisation = known
            log("standardising \(known.names.count) numeric features with the run's stored statistics")
        } else {
            standardisation = try await preRound(tabular.schema, registry: registry, store: store, runID: runID)
            tabular.standardisation = standardisation
            var agreed = plan
            agreed.tabular = tabular
            // The same run, its plan now with the agreed statistics: a resume reuses them.
            _ = try store.openRun(
                name: config.run, configuration: configurationText, plan: try agreed.canonicalJSON(), seed: seed
            ) { _ in }
        }
        for participant in registry.participants { participant.standardisation = standardisation }
        return try data.table?.dataset(standardisation: standardisation)
    }

    /// The federated pre-round: each connected participant reports the counts, sums and sums of squares of its
    /// training rows' numeric features; the coordinator sums them (``ConcordData/StandardisationRound``). It needs
    /// as many reports as a round needs results (and at least `wait_for_participants` connected); with fewer it
    /// waits and asks again. A report that is impossible (non-finite, more values than rows, a sum of squares no
    /// real values have) is refused, naming the participant, and counts as an invalid reply.
    func preRound(
        _ schema: TabularSchema, registry: ParticipantRegistry, store: any RunStore, runID: Int64
    ) async throws -> Standardisation {
        let request = StandardisationRound.Request(schema: schema)
        let waitFor = config.waitForParticipants ?? config.participants.count
        var tries = 0
        while true {
            try Task.checkCancellation()
            let eligible = registry.participants.filter { $0.exclusion == nil }
            let needed = min(waitFor, eligible.count)
            guard await registry.waitUntilConnected(needed, timeout: .seconds(config.waitTimeoutSeconds)) else {
                let why =
                    "waiting for participants for the pre-round: \(registry.connectedCount) of \(needed) connected"
                try store.setState(run: runID, .paused, reason: why)
                log("paused: \(why)")
                continue
            }
            try store.setState(run: runID, .running, reason: nil)
            let asked = eligible.filter(\.isConnected)
            let deadline = Duration.seconds(config.roundDeadlineSeconds)
            var reports: [StandardisationRound.Report] = []
            var failures: [String] = []
            await withTaskGroup(of: (RemoteParticipant, Result<FeatureStatistics, any Error>).self) { group in
                for participant in asked {
                    group.addTask {
                        do {
                            return (
                                participant,
                                .success(
                                    try await Self.within(deadline) {
                                        try await participant.statistics(of: request.features)
                                    })
                            )
                        } catch {
                            return (participant, .failure(error))
                        }
                    }
                }
                for await (participant, result) in group {
                    switch result {
                    case .success(let statistics):
                        reports.append(.init(participant: participant.id, statistics: statistics))
                    case .failure(let error):
                        failures.append("\(participant.name) (\(error))")
                        try? store.recordParticipantEvent(
                            run: runID, participant: participant.name, kind: .failed, detail: "pre-round: \(error)")
                    }
                }
            }
            _ = try excludeFaulty(registry, store: store, runID: runID)
            reports.sort { $0.participant < $1.participant }
            let least = max(1, plan.minFitResults)
            let names = reports.map { registry.participants[$0.participant].name }
            if reports.count >= least {
                let (standardisation, total) = try StandardisationRound.combine(reports, request: request)
                log(
                    "pre-round: standardisation of \(request.features.count) numeric features agreed from "
                        + "\(names.joined(separator: ", ")) (\(total.counts.max() ?? 0) rows)"
                        + (failures.isEmpty ? "" : "; failed: " + failures.joined(separator: ", ")))
                return standardisation
            }
            tries += 1
            let wait = config.retryBackoffSeconds * Double(1 << min(tries - 1, 6))
            log(
                "pre-round: \(reports.count) reports (from \(names.joined(separator: ", "))), at least "
                    + "\(least) needed; failed: \(failures.joined(separator: ", ")); "
                    + String(format: "asking again in %.1f s", wait))
            try await Task.sleep(for: .seconds(wait))
        }
    }

    /// Asks every connected participant to evaluate the round's global model on its own held-out rows, and logs
    /// each one's accuracy (with AUC, precision and recall for two classes): the federated evaluation.
    func evaluateOnNodes(round: Int, parameters: Parameters, _ registry: ParticipantRegistry) async {
        let deadline = Duration.seconds(config.roundDeadlineSeconds)
        let connected = registry.participants.filter { $0.isConnected && $0.exclusion == nil }
        var lines: [(Int, String)] = []
        await withTaskGroup(of: (Int, String).self) { group in
            for participant in connected {
                group.addTask {
                    do {
                        let (result, metrics) = try await Self.within(deadline) {
                            try await participant.heldOutEvaluation(parameters)
                        }
                        var line = String(
                            format: "%@ accuracy %.2f%% on %d rows", participant.name, result.accuracy * 100,
                            result.exampleCount)
                        for name in ["auc", "precision", "recall"] {
                            if let value = metrics[name] { line += String(format: ", %@ %.4f", name, value) }
                        }
                        return (participant.id, line)
                    } catch {
                        return (participant.id, "\(participant.name) failed (\(error))")
                    }
                }
            }
            for await line in group { lines.append(line) }
        }
        guard !lines.isEmpty else { return }
        log(
            "round \(round) on the nodes' held-out rows: "
                + lines.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: "; "))
    }

    /// `work`, or a ``WireError/sessionClosed(_:)`` once `deadline` has passed (the task is then cancelled).
    static func within<T: Sendable>(
        _ deadline: Duration, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: deadline)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw WireError.sessionClosed("no answer within \(deadline.seconds) s")
            }
            return value
        }
    }
}
