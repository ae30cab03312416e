import Foundation

/// The node's side of one session: assembles the tasks the coordinator sends, runs each as it completes
/// (several may be in flight), answers through the outbox, cancels what the coordinator abandons, and
/// keeps the session alive with heartbeats.
actor NodeTasks {
    private let settings: NodeSettings
    private let outbox: Outbox<Concord_V1_NodeMessage>
    private let log: @Sendable (String) -> Void
    private let onWelcome: @Sendable () -> Void
    private var work: NodeWork?
    /// Set by the welcome; no heartbeats before it.
    private var heartbeatInterval: Duration?
    private var lastHeard = ContinuousClock.now
    private var incoming: [UInt64: (task: Concord_V1_Task, assembler: PayloadAssembler)] = [:]
    private var running: [UInt64: Task<Void, Never>] = [:]
    /// Why the node withdrew from the run, once it has: it then waits for the coordinator to close the stream, so
    /// that its withdrawal is delivered.
    private(set) var withdrawal: String?

    init(
        settings: NodeSettings, outbox: Outbox<Concord_V1_NodeMessage>, log: @escaping @Sendable (String) -> Void,
        onWelcome: @escaping @Sendable () -> Void
    ) {
        self.settings = settings
        self.outbox = outbox
        self.log = log
        self.onWelcome = onWelcome
    }

    deinit {
        for task in running.values { task.cancel() }
    }

    /// Handles one message from the coordinator.
    ///
    /// - Returns: the farewell's reason when the run is over, else nil.
    func receive(_ message: Concord_V1_CoordinatorMessage) throws(WireError) -> String? {
        lastHeard = .now
        guard withdrawal == nil else { return nil }
        switch message.kind {
        case .welcome(let welcome):
            guard work == nil else { throw .protocolViolation("a second Welcome") }
            guard let data = try localData(welcome) else { return nil }
            work = NodeWork(
                data: data, participant: Int(welcome.participantID), enforcement: settings.enforcement,
                recordPrivacy: settings.recordPrivacy, run: welcome.run)
            heartbeatInterval = .milliseconds(max(100, Int64(welcome.heartbeatIntervalMs)))
            log("joined run '\(welcome.run)' as participant \(welcome.participantID) (\(settings.name))")
            onWelcome()
        case .rejection(let rejection):
            throw .rejected(rejection.reason)
        case .farewell(let farewell):
            for task in running.values { task.cancel() }
            return farewell.reason
        case .heartbeat:
            break
        case .cancel(let cancel):
            if let task = running.removeValue(forKey: cancel.taskID) {
                task.cancel()
                log("task \(cancel.taskID) cancelled by the coordinator: \(cancel.reason)")
            }
            incoming[cancel.taskID] = nil
        case .task(let task):
            guard work != nil else { throw .protocolViolation("a task before Welcome") }
            guard incoming[task.id] == nil, running[task.id] == nil else {
                throw .protocolViolation("task \(task.id) sent twice")
            }
            let expected = try NodeWork.expectedBytes(of: task)
            guard task.payloadBytes == expected else {
                throw .malformed(
                    "task \(task.id) announces \(task.payloadBytes) bytes where its header implies \(expected)")
            }
            let assembler = try PayloadAssembler(expected: expected, limit: settings.maxPayloadBytes)
            if assembler.isComplete {
                start(task, payload: Data())
            } else {
                incoming[task.id] = (task, assembler)
            }
        case .chunk(let chunk):
            // Out of the dictionary while it grows, so the buffer appends in place rather than being copied.
            guard var entry = incoming.removeValue(forKey: chunk.taskID) else {
                throw .protocolViolation("a chunk for task \(chunk.taskID), which has no header")
            }
            try entry.assembler.append(index: chunk.index, data: chunk.data)
            if entry.assembler.isComplete {
                start(entry.task, payload: entry.assembler.bytes)
            } else {
                incoming[chunk.taskID] = entry
            }
        case nil:
            throw .malformed("an empty coordinator message")
        }
        return nil
    }

    /// The node's data for the run it was welcomed to: its dataset, or its table read against the run's schema.
    /// A table that does not fit is withdrawn from the run: the coordinator is told why (file, row, column) and
    /// the session ends, as retrying would not mend it.
    ///
    /// - Returns: the data, or nil when the node withdrew.
    private func localData(_ welcome: Concord_V1_Welcome) throws(WireError) -> NodeWork.LocalData? {
        switch settings.data {
        case .dataset(let dataset):
            guard !welcome.hasTableSchema else {
                throw .rejected(
                    "the run trains on tables and this node holds IDX examples; start it with --data FILE.csv")
            }
            return .dataset(dataset)
        case .table(let table):
            guard welcome.hasTableSchema else {
                throw .rejected("the run does not train on tables; this node holds \(table.file)")
            }
            let schema = try WireConversion.tableSchema(welcome.tableSchema)
            do {
                let (training, heldOut) = try table.read(schema)
                log(
                    "\(table.file): \(training.count) training rows and \(heldOut?.count ?? 0) held out fit the run's "
                        + "schema (label '\(schema.label)', \(schema.features.count) features)")
                return .table(training: training, heldOut: heldOut)
            } catch {
                var message = Concord_V1_NodeMessage()
                message.withdrawal.reason = error.description
                outbox.send(message)
                outbox.finish()
                withdrawal = error.description
                log("withdrawing from run '\(welcome.run)': \(error.description)")
                return nil
            }
        }
    }

    private func start(_ task: Concord_V1_Task, payload: Data) {
        guard let work else { return }
        let outbox = self.outbox, log = self.log
        running[task.id] = Task {
            let (reply, payload) = await work.perform(task, payload: payload)
            // The coordinator gave this task up; it wants no answer.
            guard !Task.isCancelled else { return self.finished(task.id) }
            if case .refusal(let refusal) = reply.body { log("refused task \(task.id): \(refusal.reason)") }
            if case .fit(let fit) = reply.body, let epsilon = fit.metrics["record_epsilon"],
                case .fit(let asked) = task.body
            {
                log(
                    "round \(asked.round): record-level ε = \(String(format: "%.4f", epsilon)) at δ = "
                        + "\(asked.settings.recordPrivacy.delta) after \(fit.metrics["record_steps"].map { Int($0) } ?? 0) "
                        + "DP-SGD steps (this node's own accountant)")
            }
            var message = Concord_V1_NodeMessage()
            message.reply = reply
            outbox.send(message, task: task.id, payload: payload)
            self.finished(task.id)
        }
    }

    private func finished(_ id: UInt64) { running[id] = nil }

    /// Sends a heartbeat every interval the welcome set; throws when the coordinator has been silent for
    /// three intervals.
    func keepAlive() async throws {
        var sequence: UInt64 = 0
        var lastSent = ContinuousClock.now
        while true {
            try await Task.sleep(for: .milliseconds(50))
            guard let interval = heartbeatInterval else { continue }
            if ContinuousClock.now - lastHeard > interval * 3 {
                throw WireError.sessionClosed("no word from the coordinator for three heartbeat intervals")
            }
            guard ContinuousClock.now - lastSent >= interval else { continue }
            sequence += 1
            var message = Concord_V1_NodeMessage()
            message.heartbeat.sequence = sequence
            outbox.send(message)
            lastSent = .now
        }
    }
}
