import ConcordFederation
import ConcordPrivacy
import Foundation
import Synchronization

/// The coordinator's handle on a participant that runs on another machine: the same ``ClientProxy`` the
/// simulation's in-process participants are, so the ``Coordinator`` and strategies cannot tell them apart.
///
/// It speaks to whichever session the node has open now; a node that reconnects gets a new session and
/// its participant carries on. Asked while the node is away, it fails at once, as a dropped participant.
public final class RemoteParticipant: SecureAggregationPeer {
    /// The participant's id in the federation (its place in the configuration's list).
    public let id: Int
    /// Its name, the common name of its certificate.
    public let name: String
    /// The zoo model every task names.
    public let model: String
    private let session = Mutex<NodeSession?>(nil)

    /// Creates a participant that no node has joined as yet.
    public init(id: Int, name: String, model: String) {
        self.id = id
        self.name = name
        self.model = model
    }

    /// Whether a node is connected as this participant.
    public var isConnected: Bool { session.withLock { $0 != nil } }

    /// Makes `new` the participant's session and returns the one it replaces.
    func attach(_ new: NodeSession) -> NodeSession? {
        session.withLock { current in
            defer { current = new }
            return current
        }
    }

    /// Forgets `old` if it is still the participant's session.
    func detach(_ old: NodeSession) {
        session.withLock { current in
            if current === old { current = nil }
        }
    }

    /// Tells the node, if connected, that the run is over.
    func sayFarewell(_ reason: String) {
        guard let session = session.withLock({ $0 }) else { return }
        var message = Concord_V1_CoordinatorMessage()
        message.farewell.reason = reason
        session.outbox.send(message)
    }

    private func current() throws -> NodeSession {
        guard let session = session.withLock({ $0 }) else { throw WireError.notConnected(participant: name) }
        return session
    }

    /// Sends a task to the node; a refusal becomes ``WireError/refused(_:)``.
    private func ask(
        _ body: Concord_V1_Task.OneOf_Body, payload: Payload, replyLimit: UInt64
    ) async throws
        -> (body: Concord_V1_Reply.OneOf_Body?, payload: Data)
    {
        let answer = try await current().request(body, payload: payload, replyLimit: replyLimit)
        if case .refusal(let refusal) = answer.reply.body { throw WireError.refused(refusal.reason) }
        return (answer.reply.body, answer.payload)
    }

    /// Local training on the node.
    public func fit(_ instruction: FitInstruction) async throws -> ClientUpdate {
        let (task, payload) = WireConversion.fitTask(instruction, model: model)
        let answer = try await ask(.fit(task), payload: payload, replyLimit: UInt64(payload.byteCount) * 2)
        guard case .fit(let reply) = answer.body else {
            throw WireError.protocolViolation("a fit task answered with \(String(describing: answer.body))")
        }
        return try WireConversion.update(reply, payload: answer.payload, layout: instruction.parameters.layout)
    }

    /// Evaluation on the node's own data.
    public func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        let (task, payload) = WireConversion.evaluateTask(parameters, model: model)
        let answer = try await ask(.evaluate(task), payload: payload, replyLimit: 0)
        guard case .evaluate(let reply) = answer.body else {
            throw WireError.protocolViolation("an evaluation task answered with something else")
        }
        return try WireConversion.evaluation(reply)
    }

    /// One stage of secure aggregation on the node.
    public func secureAggregation(_ request: SecureAggregationRequest) async throws -> SecureAggregationResponse {
        let (message, payload) = WireConversion.request(request, model: model)
        // A masked input holds at most the model's size plus a few counts, in 64-bit words.
        let limit: UInt64
        if case .advertiseKeys(let setup) = request {
            limit = UInt64(setup.plan.length) * 8
            maskedInputLimit.withLock { $0 = limit }
        } else {
            limit = maskedInputLimit.withLock { $0 }
        }
        let answer = try await ask(.secureAggregation(message), payload: payload, replyLimit: limit)
        guard case .secureAggregation(let response) = answer.body else {
            throw WireError.protocolViolation("a secure-aggregation request answered with something else")
        }
        return try WireConversion.response(response, payload: answer.payload)
    }

    private let maskedInputLimit = Mutex<UInt64>(0)
}
