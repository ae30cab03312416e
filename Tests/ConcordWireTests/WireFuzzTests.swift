import ConcordData
import ConcordFederation
import ConcordNN
import ConcordPrivacy
import ConcordTesting
import Foundation
import SwiftProtobuf
import Testing

@testable import ConcordWire

/// Seeded mutations of the protobuf messages each side accepts, decoded and then turned into Concord values the
/// way the node and the coordinator do (payload reassembly, ``WireConversion``): each gives a value or a
/// ``WireError`` (or a protobuf decoding error); none traps or allocates what a header merely announces.
@Suite("Wire fuzz")
struct WireFuzzTests {
    static let iterations = FuzzSettings.iterations(inSuite: 3_000)
    /// The largest payload the fuzz bodies assemble (a real node accepts 4 GiB, which a fuzz input cannot fill).
    static let payloadLimit: UInt64 = 1 << 22

    static let layout = ParameterLayout([.init(name: "w", shape: [3, 2]), .init(name: "b", shape: [2])])

    static func plan() -> SecureAggregationPlan {
        SecureAggregationPlan(
            participantCount: 4, neighbours: 3, threshold: 2, dimension: 8, clipRange: 1, bits: 8, maxWeight: 1,
            counts: [], modulusBits: 64)
    }

    static func instruction(correction: Bool) throws -> FitInstruction {
        var config = FitConfig(localEpochs: 2, batchSize: 4, learningRate: 0.05, seed: 9, proximalMu: 0.01, clipNorm: 1)
        config.privacy = PrivacyMechanism(samplingRate: 0.1, noiseMultiplier: 1.1, delta: 1e-5, clipNorm: 1)
        return FitInstruction(
            round: 3, parameters: try Parameters(layout: layout, values: (0..<8).map { Float($0) - 3.5 }),
            config: config, correction: correction ? Array(repeating: 0.25, count: 8) : nil)
    }

    /// A message and its payload as the bytes that cross the wire: the header, then its chunks.
    static func frames(
        task body: Concord_V1_Task.OneOf_Body, payload: Payload, id: UInt64 = 5
    ) throws -> [[UInt8]] {
        var task = Concord_V1_Task()
        task.id = id
        task.payloadBytes = UInt64(payload.byteCount)
        task.body = body
        var message = Concord_V1_CoordinatorMessage()
        message.task = task
        var frames = [try message.serializedBytes() as [UInt8]]
        for (index, data) in payload.chunks().enumerated() {
            var chunk = Concord_V1_CoordinatorMessage()
            chunk.chunk = .with {
                $0.taskID = id
                $0.index = UInt32(index)
                $0.data = data
            }
            frames.append(try chunk.serializedBytes())
        }
        return frames
    }

    /// What the coordinator sends, made by the coordinator's own conversions.
    static let tableSchema = TabularSchema(
        label: "diagnosis", classes: ["benign", "malignant"],
        features: [.numeric("radius"), .categorical("site", categories: ["a", "b", "c"]), .numeric("area")])

    /// A standardisation a task carried: accepted only for the schema's numeric features, finite with positive scales.
    static func checkStandardisation(_ message: Concord_V1_Standardisation) throws {
        let standardisation = try WireConversion.standardisation(message, for: ["radius", "area"])
        guard standardisation.scales.allSatisfy({ $0.isFinite && $0 > 0 }), standardisation.means.allSatisfy(\.isFinite)
        else { throw FuzzInvariantViolation("a standardisation that divides by zero or by infinity was accepted") }
    }

    static func coordinatorSeeds() throws -> [[UInt8]] {
        let (fit, fitPayload) = WireConversion.fitTask(try instruction(correction: true), model: "mlp")
        let (plain, plainPayload) = WireConversion.fitTask(try instruction(correction: false), model: "logreg")
        let (evaluate, evaluatePayload) = WireConversion.evaluateTask(
            try instruction(correction: false).parameters, model: "mlp")
        let setup = SecureAggregationSetup(
            round: 3, session: Array(repeating: 7, count: 16), participant: 1, neighbours: [0, 2, 3], plan: plan(),
            instruction: try instruction(correction: false), weighting: .exampleCount)
        let keys = AdvertisedKeys(
            participant: 2, encryptionKey: Array(repeating: 1, count: 32), maskKey: Array(repeating: 2, count: 32))
        let share = EncryptedShare(sender: 2, receiver: 1, ciphertext: Array(repeating: 3, count: 60))
        let requests: [SecureAggregationRequest] = [
            .advertiseKeys(setup), .shareKeys(round: 3, keys: [keys, keys]), .maskedInput(round: 3, shares: [share]),
            .unmask(UnmaskRequest(round: 3, survivors: [0, 1, 2], dropped: [3])),
        ]
        // A tabular run's tasks carry the agreed standardisation; its pre-round asks for statistics.
        let standardisation = WireConversion.standardisation(
            Standardisation(names: ["radius", "area"], means: [14.1, 654.9], scales: [3.5, 351.6]))
        var tabularFit = plain
        tabularFit.standardisation = standardisation
        var tabularEvaluate = evaluate
        tabularEvaluate.standardisation = standardisation
        var seeds =
            try frames(task: .fit(fit), payload: fitPayload) + frames(task: .fit(plain), payload: plainPayload)
            + frames(task: .evaluate(evaluate), payload: evaluatePayload)
            + frames(task: .fit(tabularFit), payload: plainPayload)
            + frames(task: .evaluate(tabularEvaluate), payload: evaluatePayload)
            + frames(task: .statistics(WireConversion.statisticsTask(features: ["radius", "area"])), payload: .empty)
        for request in requests {
            let (message, payload) = WireConversion.request(request, model: "mlp")
            seeds += try frames(task: .secureAggregation(message), payload: payload)
        }
        var others: [Concord_V1_CoordinatorMessage] = []
        others.append(
            .with {
                $0.welcome = .with {
                    $0.run = "r"; $0.participantID = 3; $0.heartbeatIntervalMs = 500; $0.maxPayloadBytes = 1 << 32
                }
            })
        others.append(
            .with {
                $0.welcome = .with {
                    $0.run = "t"; $0.participantID = 1; $0.heartbeatIntervalMs = 500
                    $0.tableSchema = WireConversion.tableSchema(Self.tableSchema)
                }
            })
        others.append(
            .with {
                $0.cancel = .with {
                    $0.taskID = 5; $0.reason = "late"
                }
            })
        others.append(.with { $0.heartbeat = .with { $0.sequence = 9 } })
        others.append(.with { $0.farewell = .with { $0.reason = "done" } })
        others.append(.with { $0.rejection = .with { $0.reason = "no" } })
        return try seeds + others.map { try $0.serializedBytes() }
    }

    /// What a node sends, made by the node's own conversions.
    static func nodeSeeds() throws -> [[UInt8]] {
        var update = ClientUpdate(
            parameters: try instruction(correction: false).parameters, exampleCount: 12, steps: 4,
            metrics: ["loss": 0.5])
        update.gradient = Array(repeating: 2, count: 8)
        let (fit, fitPayload) = WireConversion.fitReply(update)
        let evaluation = WireConversion.evaluateReply(EvaluationResult(loss: 0.3, accuracy: 0.9, exampleCount: 40))
        let responses: [SecureAggregationResponse] = [
            .keys(
                AdvertisedKeys(
                    participant: 1, encryptionKey: Array(repeating: 4, count: 32),
                    maskKey: Array(repeating: 5, count: 32))),
            .shares([EncryptedShare(sender: 1, receiver: 2, ciphertext: Array(repeating: 6, count: 60))]),
            .maskedInput(.bits64((0..<9).map { UInt64($0) << 40 })), .maskedInput(.bits32([1, 2, 3])),
            .unmasking([RevealedShare(owner: 3, kind: .maskKey, x: 2, limbs: [1, 2, 3, 4])]),
        ]
        var replies: [(Concord_V1_Reply.OneOf_Body, Payload)] = [
            (.fit(fit), fitPayload), (.evaluate(evaluation), .empty),
        ]
        for response in responses {
            let (message, payload) = WireConversion.response(response)
            replies.append((.secureAggregation(message), payload))
        }
        replies.append((.refusal(.with { $0.reason = "unknown model" }), .empty))
        var statistics = FeatureStatistics(names: ["radius", "area"])
        for (radius, area) in [(12.5, 480.0), (20.1, 1200.5), (9.8, 301.2)] {
            statistics.add(radius, feature: 0)
            statistics.add(area, feature: 1)
        }
        replies.append((.statistics(WireConversion.statisticsReply(statistics)), .empty))
        var binary = evaluation
        binary.metrics = ["auc": 0.97, "precision": 0.9, "recall": 0.85]
        replies.append((.evaluate(binary), .empty))
        var seeds: [[UInt8]] = []
        for (body, payload) in replies {
            var message = Concord_V1_NodeMessage()
            message.reply = .with {
                $0.taskID = 5
                $0.payloadBytes = UInt64(payload.byteCount)
                $0.body = body
            }
            seeds.append(try message.serializedBytes())
            for (index, data) in payload.chunks().enumerated() {
                var chunk = Concord_V1_NodeMessage()
                chunk.chunk = .with {
                    $0.taskID = 5; $0.index = UInt32(index); $0.data = data
                }
                seeds.append(try chunk.serializedBytes())
            }
        }
        var hello = Concord_V1_NodeMessage()
        hello.hello = .with {
            $0.protocolVersion = 1; $0.name = "participant-1";
            $0.data = .with {
                $0.exampleCount = 60; $0.exampleShape = [1, 28, 28]; $0.classCount = 10
            }
        }
        return seeds + [
            try hello.serializedBytes(),
            try Concord_V1_NodeMessage.with { $0.heartbeat = .with { $0.sequence = 1 } }.serializedBytes(),
        ]
    }

    /// Assembles a payload of `announced` bytes from `fill` cut into chunks, as a session does.
    static func assemble(announced: UInt64, fill: [UInt8]) throws(WireError) -> Data {
        var assembler = try PayloadAssembler(expected: announced, limit: payloadLimit)
        var bytes = Data(count: assembler.expected)
        bytes.withUnsafeMutableBytes { raw in
            for index in 0..<min(raw.count, fill.count) { raw[index] = fill[index] }
        }
        for (index, chunk) in Payload.bytes(bytes).chunks().enumerated() {
            try assembler.append(index: UInt32(index), data: chunk)
        }
        guard assembler.isComplete else { throw .malformed("incomplete") }
        return assembler.bytes
    }

    @Test("mutated coordinator messages decode and convert, as a node reads them, or throw")
    func coordinatorMessages() throws {
        let report = fuzz("wire-coordinator-message", seeds: try Self.coordinatorSeeds(), iterations: Self.iterations) {
            input in
            let message = try Concord_V1_CoordinatorMessage(serializedBytes: input)
            switch message.kind {
            case .task(let task):
                let expected = try NodeWork.expectedBytes(of: task)
                let payload = try Self.assemble(announced: expected, fill: input)
                switch task.body {
                case .fit(let fit):
                    let instruction = try WireConversion.instruction(fit, payload: payload)
                    guard instruction.parameters.values.count == instruction.parameters.layout.scalarCount else {
                        throw FuzzInvariantViolation("a fit instruction whose values do not fill its layout")
                    }
                    if fit.hasStandardisation { try Self.checkStandardisation(fit.standardisation) }
                case .evaluate(let evaluate):
                    _ = try WireConversion.parameters(evaluate, payload: payload)
                    if evaluate.hasStandardisation { try Self.checkStandardisation(evaluate.standardisation) }
                case .secureAggregation(let request): _ = try WireConversion.request(request, payload: payload)
                case .statistics, nil: break
                }
            case .welcome(let welcome) where welcome.hasTableSchema:
                let schema = try WireConversion.tableSchema(welcome.tableSchema)
                guard schema.features.count <= WireConversion.maxFeatures, schema.classes.count >= 2 else {
                    throw FuzzInvariantViolation("a schema beyond its bounds was accepted")
                }
            case .chunk(let chunk):
                var assembler = try PayloadAssembler(expected: UInt64(chunk.data.count), limit: Self.payloadLimit)
                try assembler.append(index: chunk.index, data: chunk.data)
            default:
                break
            }
        }
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.accepted > 0 && report.refused > 0)
    }

    @Test("mutated node messages decode and convert, as the coordinator reads them, or throw")
    func nodeMessages() throws {
        let report = fuzz("wire-node-message", seeds: try Self.nodeSeeds(), iterations: Self.iterations) { input in
            let message = try Concord_V1_NodeMessage(serializedBytes: input)
            guard case .reply(let reply) = message.kind else { return }
            let payload = try Self.assemble(announced: reply.payloadBytes, fill: input)
            switch reply.body {
            case .fit(let fit):
                let update = try WireConversion.update(
                    fit, payload: payload, layout: Self.layout, declaredExamples: 1000)
                guard update.exampleCount <= 1000, update.parameters.values.allSatisfy(\.isFinite) else {
                    throw FuzzInvariantViolation("an update beyond the declared examples, or not finite")
                }
                guard update.parameters.layout == Self.layout, update.gradient.map({ $0.count == 8 }) ?? true else {
                    throw FuzzInvariantViolation("an update that does not fit the task's layout")
                }
            case .evaluate(let evaluate):
                _ = try WireConversion.evaluation(evaluate, declaredExamples: 1000)
                let metrics = try WireConversion.evaluationMetrics(evaluate)
                guard metrics.values.allSatisfy({ $0.isFinite && (0...1).contains($0) }) else {
                    throw FuzzInvariantViolation("an evaluation metric outside [0, 1]")
                }
            case .statistics(let reply):
                let statistics = try WireConversion.statistics(
                    reply, features: ["radius", "area"], declaredExamples: 1000)
                guard statistics.counts.allSatisfy({ (0...1000).contains($0) }),
                    statistics.sums.allSatisfy(\.isFinite),
                    statistics.sumsOfSquares.allSatisfy({ $0.isFinite && $0 >= 0 }),
                    statistics.standardisation.scales.allSatisfy({ $0.isFinite && $0 > 0 })
                else {
                    throw FuzzInvariantViolation("statistics that could poison the standardisation were accepted")
                }
            case .secureAggregation(let response):
                guard WireConversion.expectedBytes(of: response) == UInt64(payload.count) else { return }
                _ = try WireConversion.response(response, payload: payload)
            case .refusal, nil: break
            }
        }
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.accepted > 0 && report.refused > 0)
    }
}
