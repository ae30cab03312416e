import ConcordData
import ConcordFederation
import ConcordNN
import ConcordPrivacy
import Foundation

/// What a node trains with: its own data and the built-in engine, behind the same ``ClientProxy`` the
/// simulation's participants are. It checks every task against what it can serve, and refuses, with the
/// reason, a model it does not know or a layout that is not that model's on its data.
actor NodeWork {
    private let data: Dataset
    private let participant: Int
    private var model: String?
    private var layout: ParameterLayout?
    /// The participant pipeline (``ParticipantPipeline``) the simulation's participants go through too.
    private var pipeline: SecureAggregatingClient?
    private let enforcement: NodeEnforcement?

    init(data: Dataset, participant: Int, enforcement: NodeEnforcement? = nil) {
        self.data = data
        self.participant = participant
        self.enforcement = enforcement
    }

    /// The participant for `model`, checked against the layout the coordinator sent.
    private func participant(for model: String, layout: ParameterLayout) throws -> SecureAggregatingClient {
        if model != self.model {
            guard ModelZoo.isKnown(model) else {
                throw WireError.refused(
                    "this node does not know the model '\(model)' (it knows \(ModelZoo.names.joined(separator: ", ")))")
            }
            let network = try ModelZoo.make(model, inputShape: data.exampleShape, classes: data.classCount, seed: 0)
            let pool = WorkerPool([TrainingWorker(model: network)])
            pipeline = ParticipantPipeline.assembleSecure(
                training: LocalParticipant(id: participant, data: OwnData(dataset: data), pool: pool),
                charterCheck: enforcement?.enforce)
            self.layout = network.layout
            self.model = model
        }
        guard let pipeline, layout == self.layout else {
            throw WireError.refused(
                "the task's parameters (\(layout.scalarCount) values in \(layout.entries.count) tensors) are not "
                    + "those of '\(model)' on this node's data of shape \(data.exampleShape) with \(data.classCount) "
                    + "classes (\(self.layout?.scalarCount ?? 0) values)")
        }
        return pipeline
    }

    /// Does one task; every failure becomes a refusal the coordinator records.
    func perform(_ task: Concord_V1_Task, payload: Data) async -> (Concord_V1_Reply, Payload) {
        var reply = Concord_V1_Reply()
        reply.taskID = task.id
        var payloadOut = Payload.empty
        do {
            switch task.body {
            case .fit(let fit):
                let instruction = try WireConversion.instruction(fit, payload: payload)
                let local = try participant(for: fit.model, layout: instruction.parameters.layout)
                var update = try await local.fit(instruction)
                if let enforcement { update.receipt = try enforcement.receipt(update, instruction) }
                let (message, parameters) = WireConversion.fitReply(update)
                reply.fit = message
                payloadOut = parameters
            case .evaluate(let evaluate):
                let parameters = try WireConversion.parameters(evaluate, payload: payload)
                let local = try participant(for: evaluate.model, layout: parameters.layout)
                reply.evaluate = WireConversion.evaluateReply(try await local.evaluate(parameters))
            case .secureAggregation(let message):
                let request = try WireConversion.request(message, payload: payload)
                if case .advertiseKeys(let setup) = request, case .advertiseKeys(let body) = message.stage {
                    _ = try participant(for: body.instruction.model, layout: setup.instruction.parameters.layout)
                }
                guard let secure = pipeline else {
                    throw WireError.protocolViolation("a secure-aggregation stage before its setup")
                }
                let (response, words) = WireConversion.response(try await secure.secureAggregation(request))
                reply.secureAggregation = response
                payloadOut = words
            case nil:
                throw WireError.malformed("a task without a body")
            }
        } catch {
            var refusal = Concord_V1_Refusal()
            refusal.reason = Task.isCancelled ? "cancelled by the coordinator" : Self.reason(error)
            reply.refusal = refusal
            payloadOut = .empty
        }
        reply.payloadBytes = UInt64(payloadOut.byteCount)
        return (reply, payloadOut)
    }

    private static func reason(_ error: any Error) -> String {
        if case WireError.refused(let reason) = error { return reason }
        return "\(error)"
    }

    /// The payload size a task must carry, from its header.
    static func expectedBytes(of task: Concord_V1_Task) throws(WireError) -> UInt64 {
        switch task.body {
        case .fit(let fit): return try WireConversion.expectedBytes(of: fit)
        case .evaluate(let evaluate): return UInt64(try WireConversion.layout(evaluate.layout).scalarCount * 4)
        case .secureAggregation(let request): return try WireConversion.expectedBytes(of: request)
        case nil: throw .malformed("a task without a body")
        }
    }
}

/// A node's one dataset, whatever participant index asks for it.
struct OwnData: ParticipantData {
    let dataset: Dataset
    var participantCount: Int { 1 }
    func trainingData(of index: Int) -> Dataset { dataset }
}
