import ConcordData
import ConcordFederation
import ConcordNN
import ConcordPrivacy
import Foundation

/// What a node trains with: its own data and the built-in engine, behind the same ``ClientProxy`` the
/// simulation's participants are. It checks every task against what it can serve, and refuses, with the
/// reason, a model it does not know or a layout that is not that model's on its data.
actor NodeWork {
    /// What the node trains on: its dataset, or its table read against the run's schema.
    enum LocalData: Sendable {
        case dataset(Dataset)
        /// The training rows and the rows kept back for evaluating the global model.
        case table(training: TabularTable, heldOut: TabularTable?)
    }

    private let data: LocalData
    private let participant: Int
    private var model: String?
    private var layout: ParameterLayout?
    /// The standardisation the table is encoded with, and the encoding.
    private var encoded: (standardisation: Standardisation, training: Dataset, heldOut: Dataset?)?
    /// The standardisation the pipeline's table was encoded with (nil for a dataset).
    private var pipelineStandardisation: Standardisation?
    /// The participant pipeline (``ParticipantPipeline``) the simulation's participants go through too.
    private var pipeline: SecureAggregatingClient?
    private let enforcement: NodeEnforcement?
    /// The node's own account of its record-level DP-SGD, which outlives this run's work.
    private let recordPrivacy: RecordPrivacyAccountant
    private let run: String

    init(
        data: LocalData, participant: Int, enforcement: NodeEnforcement? = nil,
        recordPrivacy: RecordPrivacyAccountant, run: String
    ) {
        self.data = data
        self.participant = participant
        self.enforcement = enforcement
        self.recordPrivacy = recordPrivacy
        self.run = run
    }

    /// The examples to train on (and to evaluate on): the dataset, or the table encoded with the task's
    /// standardisation (its training rows, and its held-out rows when it has any).
    private func examples(
        _ standardisation: Concord_V1_Standardisation?
    ) throws -> (training: Dataset, heldOut: Dataset?) {
        switch data {
        case .dataset(let dataset):
            return (dataset, nil)
        case .table(let training, let heldOut):
            guard let standardisation else {
                throw WireError.refused("this node trains on a table: a task needs the federation's standardisation")
            }
            let agreed = try WireConversion.standardisation(standardisation, for: training.schema.numericNames)
            if let encoded, encoded.standardisation == agreed { return (encoded.training, encoded.heldOut) }
            let encoding = (
                standardisation: agreed, training: try training.dataset(standardisation: agreed),
                heldOut: try heldOut?.dataset(standardisation: agreed)
            )
            encoded = encoding
            return (encoding.training, encoding.heldOut)
        }
    }

    /// The loss a zoo model trains with on this node's data: on a two-class table binary cross-entropy on one
    /// logit, as the coordinator builds the model (`RunPlan.TabularChoice.loss`).
    private var loss: ModelLoss {
        if case .table(let training, _) = data, training.schema.classes.count == 2 { return .binaryCrossEntropy }
        return .softmaxCrossEntropy
    }

    /// A zoo model for `data`.
    private func makeNetwork(_ model: String, for data: Dataset) throws -> Sequential {
        guard ModelZoo.isKnown(model) else {
            throw WireError.refused(
                "this node does not know the model '\(model)' (it knows \(ModelZoo.names.joined(separator: ", ")))")
        }
        return try ModelZoo.make(
            model, inputShape: data.exampleShape, classes: data.classCount, loss: loss, seed: 0)
    }

    /// The participant for `model` on `data`, checked against the layout the coordinator sent.
    private func participant(
        for model: String, layout: ParameterLayout, standardisation: Concord_V1_Standardisation? = nil
    ) throws -> SecureAggregatingClient {
        let data = try examples(standardisation).training
        if model != self.model || encoded?.standardisation != pipelineStandardisation {
            let network = try makeNetwork(model, for: data)
            let pool = WorkerPool([TrainingWorker(model: network)])
            pipeline = ParticipantPipeline.assembleSecure(
                training: LocalParticipant(
                    id: participant, data: OwnData(dataset: data), pool: pool,
                    recordPrivacy: SecureRecordPrivacyRandomness()),
                charterCheck: enforcement?.enforce, recordAccountant: recordPrivacy, run: run)
            self.layout = network.layout
            self.model = model
            pipelineStandardisation = encoded?.standardisation
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
                let local = try participant(
                    for: fit.model, layout: instruction.parameters.layout,
                    standardisation: fit.hasStandardisation ? fit.standardisation : nil)
                var update = try await local.fit(instruction)
                if let enforcement { update.receipt = try enforcement.receipt(update, instruction) }
                let (message, parameters) = WireConversion.fitReply(update)
                reply.fit = message
                payloadOut = parameters
            case .evaluate(let evaluate):
                let parameters = try WireConversion.parameters(evaluate, payload: payload)
                let standardisation = evaluate.hasStandardisation ? evaluate.standardisation : nil
                if case .table = data {
                    reply.evaluate = try evaluateHeldOut(evaluate.model, parameters, standardisation)
                } else {
                    let local = try participant(for: evaluate.model, layout: parameters.layout)
                    reply.evaluate = WireConversion.evaluateReply(try await local.evaluate(parameters))
                }
            case .statistics(let request):
                reply.statistics = WireConversion.statisticsReply(try statistics(request))
            case .secureAggregation(let message):
                let request = try WireConversion.request(message, payload: payload)
                if case .advertiseKeys(let setup) = request, case .advertiseKeys(let body) = message.stage {
                    _ = try participant(
                        for: body.instruction.model, layout: setup.instruction.parameters.layout,
                        standardisation: body.instruction.hasStandardisation ? body.instruction.standardisation : nil)
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

    /// The pre-round's share: the statistics of the table's training rows, for the features asked for.
    private func statistics(_ request: Concord_V1_StatisticsTask) throws -> FeatureStatistics {
        guard case .table(let training, _) = data else {
            throw WireError.refused("this node holds no table: it has no feature statistics to report")
        }
        return try StandardisationRound.report(
            participant: participant, table: training, request: .init(features: request.features)
        ).statistics
    }

    /// The global model on the rows this node held out (on its training rows when it held none out), with the
    /// binary metrics for two classes: the federated evaluation.
    private func evaluateHeldOut(
        _ model: String, _ parameters: Parameters, _ standardisation: Concord_V1_Standardisation?
    ) throws -> Concord_V1_EvaluateReply {
        let (training, heldOut) = try examples(standardisation)
        let data = heldOut ?? training
        let network = try makeNetwork(model, for: data)
        guard network.layout == parameters.layout else {
            throw WireError.refused(
                "the task's parameters (\(parameters.layout.scalarCount) values) are not those of '\(model)' on this "
                    + "node's table (\(network.layout.scalarCount) values)")
        }
        try network.load(parameters)
        let evaluation = try network.evaluate(features: data.features, labels: data.labels)
        var reply = WireConversion.evaluateReply(
            EvaluationResult(
                loss: evaluation.loss, accuracy: evaluation.accuracy, exampleCount: evaluation.count,
                binary: evaluation.binary))
        if let binary = evaluation.binary {
            reply.metrics = WireConversion.binaryMetrics(binary)
        }
        return reply
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
        case .statistics: return 0
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
