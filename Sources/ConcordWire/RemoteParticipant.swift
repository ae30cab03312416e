import ConcordData
import ConcordFederation
import ConcordPrivacy
import Foundation
import Synchronization

/// The coordinator's handle on a participant that runs on another machine: the same ``ClientProxy`` the
/// simulation's in-process participants are, so the ``Coordinator`` and strategies cannot tell them apart.
///
/// It speaks to whichever session the node has open now; a node that reconnects gets a new session and
/// its participant carries on. Asked while the node is away, it fails at once, as a dropped participant.
///
/// Every reply is checked before it reaches the strategy: a reply that breaks the protocol, does not fit
/// the task, holds non-finite values or claims more examples than the node declared when it joined is an
/// invalid reply. The participant counts them in a row; the run may exclude it (``exclude(because:)``).
public final class RemoteParticipant: SecureAggregationPeer {
    /// The participant's id in the federation (its place in the configuration's list).
    public let id: Int
    /// Its name, the common name of its certificate.
    public let name: String
    /// The zoo model every task names.
    public let model: String
    private let session = Mutex<NodeSession?>(nil)
    /// The Flower client's session, when the participant joined through the Flower listener instead.
    let flowerSession = Mutex<FlowerSession?>(nil)
    private let conduct = Mutex(Conduct())

    private struct Conduct {
        var invalidInARow = 0
        var lastInvalid: String?
        var exclusion: String?
        var declaredExamples: Int?
    }

    /// Creates a participant that no node has joined as yet.
    public init(id: Int, name: String, model: String) {
        self.id = id
        self.name = name
        self.model = model
    }

    /// Whether a node is connected as this participant.
    public var isConnected: Bool { session.withLock { $0 != nil } || flowerSession.withLock { $0 != nil } }

    /// Whether the participant is connected as a Flower client (through the Flower listener).
    public var isFlowerClient: Bool { flowerSession.withLock { $0 != nil } }

    /// Makes `new` the participant's session unless another is open: one session per participant, so two
    /// nodes with the same name cannot push each other out.
    ///
    /// - Returns: the address of the session already open (a node's or a Flower client's), which keeps its place,
    ///   or nil when `new` got it.
    func attach(_ new: NodeSession) -> String? {
        let open = flowerSession.withLock { flower -> String? in
            if let flower { return flower.peer }
            return session.withLock { current -> String? in
                if let current { return current.peer }
                current = new
                return nil
            }
        }
        if open == nil { conduct.withLock { $0.declaredExamples = new.declaredExamples } }
        return open
    }

    /// Makes `new` the participant's Flower session unless it already has a session open (a node's or a
    /// Flower client's). The locks are taken in the same order as in ``attach(_:)``.
    ///
    /// - Returns: the address of the session already open, or nil when `new` got it.
    func attach(flower new: FlowerSession) -> String? {
        flowerSession.withLock { flower -> String? in
            if let flower { return flower.peer }
            return session.withLock { current -> String? in
                if let current { return current.peer }
                flower = new
                return nil
            }
        }
    }

    /// The examples its node declared when it last joined (nil before any has).
    public var declaredExamples: Int? { conduct.withLock { $0.declaredExamples } }

    /// How many replies in a row were invalid, and the last one's problem.
    public var invalidReplies: (count: Int, last: String?) {
        conduct.withLock { ($0.invalidInARow, $0.lastInvalid) }
    }

    /// Why the participant was excluded from the run, if it was.
    public var exclusion: String? { conduct.withLock { $0.exclusion } }

    /// Excludes the participant from the rest of the run: every task fails at once with `reason`, its
    /// session is closed and it is refused if it connects again.
    public func exclude(because reason: String) {
        conduct.withLock { $0.exclusion = reason }
        if let flower = flowerSession.withLock({ $0 }) {
            var message = Flwr_Proto_ServerMessage()
            message.reconnectIns.seconds = 0
            flower.send(message)
            Task { await flower.close(reason: "excluded from the run: \(reason)") }
        }
        guard let current = session.withLock({ $0 }) else { return }
        var message = Concord_V1_CoordinatorMessage()
        message.rejection.reason = "excluded from the run: \(reason)"
        current.outbox.send(message)
        Task { await current.close(reason: "excluded from the run: \(reason)") }
    }

    /// Forgets `old` if it is still the participant's session.
    func detach(_ old: NodeSession) {
        session.withLock { current in
            if current === old { current = nil }
        }
    }

    /// Tells the node, if connected, that the run is over.
    func sayFarewell(_ reason: String) {
        sendReconnect(after: 0)
        guard let session = session.withLock({ $0 }) else { return }
        var message = Concord_V1_CoordinatorMessage()
        message.farewell.reason = reason
        session.outbox.send(message)
    }

    /// Ends the node's session without a farewell, once what is queued for it is written: the node takes it
    /// for a dropped connection and reconnects.
    func hangUp() {
        // A Flower client cannot be hung up on and come back by itself: it is told to reconnect in a few seconds.
        sendReconnect(after: 5)
        session.withLock { $0 }?.outbox.finish()
    }

    private func current() throws -> NodeSession {
        if let exclusion { throw WireError.excluded(participant: name, reason: exclusion) }
        guard let session = session.withLock({ $0 }) else { throw WireError.notConnected(participant: name) }
        return session
    }

    /// Sends a task to the node and reads its answer with `read`; a refusal becomes ``WireError/refused(_:)``.
    /// A reply that breaks the protocol or that `read` finds invalid counts against the participant; a
    /// valid one clears the count.
    private func ask<Result>(
        _ body: Concord_V1_Task.OneOf_Body, payload: Payload, replyLimit: UInt64,
        read: (_ body: Concord_V1_Reply.OneOf_Body?, _ payload: Data, _ declaredExamples: Int) throws -> Result
    ) async throws -> Result {
        let session = try current()
        do {
            let answer = try await session.request(body, payload: payload, replyLimit: replyLimit)
            if case .refusal(let refusal) = answer.reply.body { throw WireError.refused(refusal.reason) }
            let result = try read(answer.reply.body, answer.payload, session.declaredExamples)
            conduct.withLock { $0.invalidInARow = 0 }
            return result
        } catch let error as WireError {
            countInvalid(error)
            throw error
        }
    }

    /// Counts a reply that breaks the protocol or does not fit its task against the participant.
    func countInvalid(_ error: WireError) {
        switch error {
        case .protocolViolation, .malformed, .payloadTooLarge:
            conduct.withLock {
                $0.invalidInARow += 1
                $0.lastInvalid = "\(error)"
            }
        default: break
        }
    }

    /// Clears the count of invalid replies in a row, after a valid one.
    func countValid() { conduct.withLock { $0.invalidInARow = 0 } }

    /// Local training on the node.
    public func fit(_ instruction: FitInstruction) async throws -> ClientUpdate {
        if let flower = try currentFlower() { return try await flowerFit(instruction, on: flower) }
        let (plain, payload) = WireConversion.fitTask(instruction, model: model)
        var task = plain
        if let standardisation { task.standardisation = WireConversion.standardisation(standardisation) }
        return try await ask(.fit(task), payload: payload, replyLimit: UInt64(payload.byteCount) * 2) {
            body, payload, declared in
            guard case .fit(let reply) = body else {
                throw WireError.protocolViolation("a fit task answered with \(String(describing: body))")
            }
            return try WireConversion.update(
                reply, payload: payload, layout: instruction.parameters.layout, declaredExamples: declared)
        }
    }

    /// Evaluation on the node's own data.
    public func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        if let flower = try currentFlower() { return try await flowerEvaluate(parameters, on: flower) }
        let (task, payload) = evaluationTask(parameters)
        return try await ask(.evaluate(task), payload: payload, replyLimit: 0) { body, _, declared in
            guard case .evaluate(let reply) = body else {
                throw WireError.protocolViolation("an evaluation task answered with something else")
            }
            return try WireConversion.evaluation(reply, declaredExamples: declared)
        }
    }

    /// One stage of secure aggregation on the node.
    public func secureAggregation(_ request: SecureAggregationRequest) async throws -> SecureAggregationResponse {
        if try currentFlower() != nil {
            throw WireError.refused("\(name) is a Flower client: secure aggregation needs Concord's own node")
        }
        let (plain, payload) = WireConversion.request(request, model: model)
        var message = plain
        // A tabular run's masked training is encoded with the standardisation, as a plain fit is.
        if let standardisation, case .advertiseKeys = message.stage {
            message.advertiseKeys.instruction.standardisation = WireConversion.standardisation(standardisation)
        }
        // A masked input holds at most the model's size plus a few counts, in 64-bit words.
        let limit: UInt64
        if case .advertiseKeys(let setup) = request {
            limit = UInt64(setup.plan.length) * 8
            maskedInputLimit.withLock { $0 = limit }
        } else {
            limit = maskedInputLimit.withLock { $0 }
        }
        return try await ask(.secureAggregation(message), payload: payload, replyLimit: limit) { body, payload, _ in
            guard case .secureAggregation(let response) = body else {
                throw WireError.protocolViolation("a secure-aggregation request answered with something else")
            }
            return try WireConversion.response(response, payload: payload)
        }
    }

    private let maskedInputLimit = Mutex<UInt64>(0)
    private let agreedStandardisation = Mutex<Standardisation?>(nil)

    /// The standardisation every fit and evaluation task of a run on tabular data carries; nil for other runs.
    public var standardisation: Standardisation? {
        get { agreedStandardisation.withLock { $0 } }
        set { agreedStandardisation.withLock { $0 = newValue } }
    }

    /// The federated pre-round: the count, sum and sum of squares of each of `features` over the node's training
    /// rows, checked as a hostile peer's (the features asked for, finite, counts within the rows it declared).
    ///
    /// - Throws: ``WireError/refused(_:)`` when the node refuses; ``WireError/malformed(_:)`` for impossible
    ///   statistics, which count against the participant as any invalid reply.
    public func statistics(of features: [String]) async throws -> FeatureStatistics {
        guard try currentFlower() == nil else {
            throw WireError.refused("\(name) is a Flower client: a run on tables needs Concord's own node")
        }
        let task = WireConversion.statisticsTask(features: features)
        return try await ask(.statistics(task), payload: .empty, replyLimit: 0) { body, _, declared in
            guard case .statistics(let reply) = body else {
                throw WireError.protocolViolation("a statistics task answered with something else")
            }
            return try WireConversion.statistics(reply, features: features, declaredExamples: declared)
        }
    }

    /// An evaluation task of `parameters` for this node, with the run's standardisation on a table.
    private func evaluationTask(_ parameters: Parameters) -> (Concord_V1_EvaluateTask, Payload) {
        var (task, payload) = WireConversion.evaluateTask(parameters, model: model)
        if let standardisation { task.standardisation = WireConversion.standardisation(standardisation) }
        return (task, payload)
    }

    /// The global model evaluated on the node's held-out rows (federated evaluation), with the node's AUC,
    /// precision and recall for two classes.
    ///
    /// - Throws: as ``evaluate(_:)``; ``WireError/malformed(_:)`` for metrics out of [0, 1].
    public func heldOutEvaluation(
        _ parameters: Parameters
    ) async throws
        -> (result: EvaluationResult, metrics: [String: Double])
    {
        let (task, payload) = evaluationTask(parameters)
        return try await ask(.evaluate(task), payload: payload, replyLimit: 0) { body, _, declared in
            guard case .evaluate(let reply) = body else {
                throw WireError.protocolViolation("an evaluation task answered with something else")
            }
            return (
                try WireConversion.evaluation(reply, declaredExamples: declared),
                try WireConversion.evaluationMetrics(reply)
            )
        }
    }
}
