import ConcordFederation
import ConcordNN
import Foundation

/// Converts between Concord's training values and the `concord.v1` messages, checking what arrives.
enum WireConversion {
    /// The most scalars a layout may declare (a 4 GiB model), so a forged shape cannot overflow.
    static let maxScalars = 1 << 30

    static func layout(_ layout: ParameterLayout) -> Concord_V1_Layout {
        var message = Concord_V1_Layout()
        message.dtype = .float32
        message.entries = layout.entries.map { entry in
            var spec = Concord_V1_TensorSpec()
            spec.name = entry.name
            spec.shape = entry.shape.map { UInt64($0) }
            return spec
        }
        return message
    }

    static func layout(_ message: Concord_V1_Layout) throws(WireError) -> ParameterLayout {
        guard message.dtype == .float32 else {
            throw .malformed("parameters of dtype \(message.dtype) (Concord sends float32)")
        }
        var total = 0
        var entries: [ParameterLayout.Entry] = []
        for spec in message.entries {
            var count = 1
            for dimension in spec.shape {
                guard dimension <= UInt64(maxScalars), count <= maxScalars / max(Int(dimension), 1) else {
                    throw .malformed("tensor '\(spec.name)' has an impossible shape \(spec.shape)")
                }
                count *= Int(dimension)
            }
            total += count
            guard total <= maxScalars else { throw .malformed("the layout declares more than \(maxScalars) scalars") }
            entries.append(ParameterLayout.Entry(name: spec.name, shape: spec.shape.map { Int($0) }))
        }
        return ParameterLayout(entries)
    }

    static func settings(_ config: FitConfig) -> Concord_V1_FitSettings {
        var message = Concord_V1_FitSettings()
        message.localEpochs = UInt32(clamping: config.localEpochs)
        message.batchSize = UInt32(clamping: config.batchSize)
        message.learningRate = config.learningRate
        message.seed = config.seed
        message.proximalMu = config.proximalMu
        if let clip = config.clipNorm { message.clipNorm = clip }
        if let privacy = config.privacy {
            var mechanism = Concord_V1_PrivacyMechanism()
            mechanism.samplingRate = privacy.samplingRate
            mechanism.noiseMultiplier = privacy.noiseMultiplier
            mechanism.delta = privacy.delta
            mechanism.clipNorm = privacy.clipNorm
            message.privacy = mechanism
        }
        message.reportsGradient = config.reportsGradient
        if let record = config.recordPrivacy {
            var privacy = Concord_V1_RecordPrivacy()
            privacy.samplingRate = record.samplingRate
            privacy.noiseMultiplier = record.noiseMultiplier
            privacy.clipNorm = record.clipNorm
            privacy.delta = config.recordPrivacyDelta ?? 0
            message.recordPrivacy = privacy
        }
        return message
    }

    static func config(_ message: Concord_V1_FitSettings) throws(WireError) -> FitConfig {
        guard message.learningRate.isFinite, message.proximalMu.isFinite, message.proximalMu >= 0 else {
            throw .malformed("non-finite learning rate or proximal μ")
        }
        var config = FitConfig(
            localEpochs: Int(message.localEpochs), batchSize: Int(message.batchSize),
            learningRate: message.learningRate, seed: message.seed, proximalMu: message.proximalMu,
            clipNorm: message.hasClipNorm ? message.clipNorm : nil)
        if message.hasPrivacy {
            let mechanism = message.privacy
            config.privacy = PrivacyMechanism(
                samplingRate: mechanism.samplingRate, noiseMultiplier: mechanism.noiseMultiplier,
                delta: mechanism.delta, clipNorm: mechanism.clipNorm)
        }
        config.reportsGradient = message.reportsGradient
        if message.hasRecordPrivacy {
            let privacy = message.recordPrivacy
            let record = DPSGDConfiguration(
                clipNorm: privacy.clipNorm, noiseMultiplier: privacy.noiseMultiplier, samplingRate: privacy.samplingRate)
            do {
                try record.validate()
            } catch {
                throw .malformed("record-level DP: \(error)")
            }
            guard privacy.delta > 0, privacy.delta < 1 else {
                throw .malformed("record-level DP: δ must be in (0, 1), got \(privacy.delta)")
            }
            config.recordPrivacy = record
            config.recordPrivacyDelta = privacy.delta
        }
        return config
    }

    /// A fit instruction as a task header and its payload.
    static func fitTask(_ instruction: FitInstruction, model: String) -> (Concord_V1_FitTask, Payload) {
        var task = Concord_V1_FitTask()
        task.round = UInt32(clamping: instruction.round)
        task.model = model
        task.layout = layout(instruction.parameters.layout)
        task.settings = settings(instruction.config)
        task.hasCorrection_p = instruction.correction != nil
        task.charter = instruction.charterHash ?? ""
        task.secureAggregation = instruction.secureAggregation
        let payload =
            instruction.correction.map { Payload.floats(instruction.parameters.values, $0) }
            ?? .floats(instruction.parameters.values)
        return (task, payload)
    }

    /// The payload size a fit task must carry.
    static func expectedBytes(of task: Concord_V1_FitTask) throws(WireError) -> UInt64 {
        let scalars = try layout(task.layout).scalarCount
        return UInt64(scalars * 4 * (task.hasCorrection_p ? 2 : 1))
    }

    static func instruction(_ task: Concord_V1_FitTask, payload: Data) throws(WireError) -> FitInstruction {
        let layout = try layout(task.layout)
        let scalars = layout.scalarCount
        guard payload.count == scalars * 4 * (task.hasCorrection_p ? 2 : 1) else {
            throw .malformed("a fit task for \(scalars) parameters carries \(payload.count) bytes")
        }
        let parameters = try leadingParameters(layout, of: payload)
        return FitInstruction(
            round: Int(task.round), parameters: parameters, config: try config(task.settings),
            correction: task.hasCorrection_p ? payload.littleEndianFloats(at: scalars * 4, count: scalars) : nil,
            charterHash: task.charter.isEmpty ? nil : task.charter, secureAggregation: task.secureAggregation)
    }

    static func fitReply(_ update: ClientUpdate) -> (Concord_V1_FitReply, Payload) {
        var reply = Concord_V1_FitReply()
        reply.exampleCount = UInt64(max(0, update.exampleCount))
        reply.steps = UInt64(max(0, update.steps))
        reply.metrics = update.metrics
        reply.hasGradient_p = update.gradient != nil
        if let receipt = update.receipt {
            reply.receipt.participant = receipt.participant
            reply.receipt.signature = receipt.signature
        }
        let payload =
            update.gradient.map { Payload.floats(update.parameters.values, $0) } ?? .floats(update.parameters.values)
        return (reply, payload)
    }

    /// A fit reply, read against the layout the task was sent with and the examples the node declared
    /// when it joined (its weight in the aggregate can be no larger).
    static func update(
        _ reply: Concord_V1_FitReply, payload: Data, layout: ParameterLayout, declaredExamples: Int
    ) throws(WireError)
        -> ClientUpdate
    {
        let scalars = layout.scalarCount
        guard payload.count == scalars * 4 * (reply.hasGradient_p ? 2 : 1) else {
            throw .malformed("a fit reply for \(scalars) parameters carries \(payload.count) bytes")
        }
        guard reply.exampleCount <= UInt64(max(0, declaredExamples)) else {
            throw .malformed(
                "the reply claims \(reply.exampleCount) examples; the node declared \(declaredExamples) when it joined")
        }
        guard reply.steps <= UInt64(Int32.max) else { throw .malformed("a reply of \(reply.steps) steps") }
        let parameters = try leadingParameters(layout, of: payload)
        var update = ClientUpdate(
            parameters: parameters, exampleCount: Int(reply.exampleCount), steps: Int(reply.steps),
            metrics: reply.metrics)
        if reply.hasGradient_p { update.gradient = payload.littleEndianFloats(at: scalars * 4, count: scalars) }
        if reply.hasReceipt {
            guard reply.receipt.signature.count == 64, !reply.receipt.participant.isEmpty else {
                throw .malformed("the reply's receipt needs a participant name and a 64-byte signature")
            }
            update.receipt = UpdateReceipt(participant: reply.receipt.participant, signature: reply.receipt.signature)
        }
        guard update.parameters.values.allSatisfy(\.isFinite), update.gradient?.allSatisfy(\.isFinite) ?? true else {
            throw .malformed("the reply holds non-finite values (NaN or infinity)")
        }
        return update
    }

    static func evaluateTask(_ parameters: Parameters, model: String) -> (Concord_V1_EvaluateTask, Payload) {
        var task = Concord_V1_EvaluateTask()
        task.model = model
        task.layout = layout(parameters.layout)
        return (task, .floats(parameters.values))
    }

    static func parameters(_ task: Concord_V1_EvaluateTask, payload: Data) throws(WireError) -> Parameters {
        let layout = try layout(task.layout)
        guard payload.count == layout.scalarCount * 4 else {
            throw .malformed("an evaluation task for \(layout.scalarCount) parameters carries \(payload.count) bytes")
        }
        return try leadingParameters(layout, of: payload)
    }

    /// The parameters at the start of a payload whose size the caller has checked against the layout.
    private static func leadingParameters(_ layout: ParameterLayout, of payload: Data) throws(WireError) -> Parameters {
        do {
            return try Parameters(layout: layout, values: payload.littleEndianFloats(at: 0, count: layout.scalarCount))
        } catch {
            throw .malformed("\(error)")
        }
    }

    static func evaluateReply(_ result: EvaluationResult) -> Concord_V1_EvaluateReply {
        var reply = Concord_V1_EvaluateReply()
        reply.loss = result.loss
        reply.accuracy = result.accuracy
        reply.exampleCount = UInt64(max(0, result.exampleCount))
        return reply
    }

    /// An evaluation reply, over no more examples than the node declared when it joined.
    static func evaluation(_ reply: Concord_V1_EvaluateReply, declaredExamples: Int) throws(WireError)
        -> EvaluationResult
    {
        guard reply.accuracy >= 0, reply.accuracy <= 1, reply.loss.isFinite,
            reply.exampleCount <= UInt64(max(0, declaredExamples))
        else {
            throw .malformed(
                "an evaluation with accuracy \(reply.accuracy) and loss \(reply.loss) over \(reply.exampleCount) "
                    + "examples (the node declared \(declaredExamples))")
        }
        return EvaluationResult(loss: reply.loss, accuracy: reply.accuracy, exampleCount: Int(reply.exampleCount))
    }
}
