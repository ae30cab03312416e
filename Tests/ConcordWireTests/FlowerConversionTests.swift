import ConcordFederation
import ConcordNN
import Foundation
import Testing

@testable import ConcordWire

/// Concord's tasks as Flower's messages, and Flower's answers checked against the model.
@Suite("Flower conversion")
struct FlowerConversionTests {
    static let layout = ParameterLayout([
        .init(name: "fc.weight", shape: [2, 3]), .init(name: "fc.bias", shape: [2]),
    ])
    static let parameters = try! Parameters(layout: layout, values: [1, 2, 3, 4, 5, 6, 7, 8])

    static func fitRes(_ tensors: [Data], examples: Int64 = 10) -> Flwr_Proto_ClientMessage.FitRes {
        var reply = Flwr_Proto_ClientMessage.FitRes()
        reply.parameters.tensors = tensors
        reply.parameters.tensorType = "numpy.ndarray"
        reply.numExamples = examples
        return reply
    }

    @Test("a fit task is one .npy tensor per layout entry, with the settings as Flower scalars")
    func fitIns() throws {
        let instruction = FitInstruction(
            round: 3, parameters: Self.parameters,
            config: FitConfig(localEpochs: 1, batchSize: 10, learningRate: 0.1, seed: UInt64.max, proximalMu: 0.01))
        let message = FlowerConversion.fitIns(instruction)
        let tensors = message.fitIns.parameters.tensors
        #expect(
            try tensors.map { try NumPyArray.decode($0) } == [
                NumPyArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), NumPyArray(shape: [2], values: [7, 8]),
            ])
        let config = message.fitIns.config
        #expect(config["round"]?.sint64 == 3)
        #expect(config["batch_size"]?.sint64 == 10)
        #expect(config["local_epochs"]?.sint64 == 1)
        #expect(config["seed"]?.sint64 == -1, "the seed's 64 bits, as Flower's sint64")
        #expect(config["learning_rate"]?.double == Double(Float(0.1)))
        #expect(FlowerConversion.unsupported(instruction) == nil)
    }

    @Test("the answer's tensors become the update; metrics keep their numbers")
    func readsUpdate() throws {
        var reply = Self.fitRes(
            [NumPyArray.encode([6, 5, 4, 3, 2, 1], shape: [2, 3]), NumPyArray.encode([0, -1], shape: [2])])
        reply.metrics["loss"] = .double(0.5)
        reply.metrics["note"] = .string("ignored")
        let update = try FlowerConversion.update(reply, layout: Self.layout, maxExamples: nil)
        #expect(update.parameters.values == [6, 5, 4, 3, 2, 1, 0, -1])
        #expect(update.exampleCount == 10)
        #expect(update.metrics == ["loss": 0.5])
    }

    @Test(
        "wrong tensor count, wrong shapes, bytes that are not .npy, NaN, no examples: refused with the reason",
        arguments: [
            ([NumPyArray.encode([1, 2, 3, 4, 5, 6], shape: [2, 3])], 10, "sent 1 tensors; the model has 2"),
            (
                [NumPyArray.encode([1, 2, 3, 4, 5, 6], shape: [3, 2]), NumPyArray.encode([0, 0], shape: [2])], 10,
                "'fc.weight') has shape [3, 2]; the model's is [2, 3]"
            ),
            ([Data("junk".utf8), NumPyArray.encode([0, 0], shape: [2])], 10, "tensor 0 ('fc.weight'): malformed"),
            (
                [NumPyArray.encode([1, 2, 3, 4, 5, .nan], shape: [2, 3]), NumPyArray.encode([0, 0], shape: [2])], 10,
                "non-finite"
            ),
            (
                [NumPyArray.encode([1, 2, 3, 4, 5, 6], shape: [2, 3]), NumPyArray.encode([0, 0], shape: [2])], 0,
                "trained on 0 examples"
            ),
            (
                [NumPyArray.encode([1, 2, 3, 4, 5, 6], shape: [2, 3]), NumPyArray.encode([0, 0], shape: [2])], 101,
                "at most 100"
            ),
        ] as [([Data], Int64, String)])
    func refusesBadUpdates(_ tensors: [Data], examples: Int64, reason: String) {
        #expect {
            _ = try FlowerConversion.update(
                Self.fitRes(tensors, examples: examples), layout: Self.layout, maxExamples: 100)
        } throws: { error in
            guard let error = error as? WireError, case .malformed(let detail) = error else { return false }
            return detail.contains(reason)
        }
    }

    @Test("tasks that need Concord's own node are refused for a Flower client, with the reason")
    func unsupported() {
        var config = FitConfig(localEpochs: 1, batchSize: 10, learningRate: 0.1, seed: 1, proximalMu: 0)
        config.clipNorm = 1
        #expect(
            FlowerConversion.unsupported(FitInstruction(round: 1, parameters: Self.parameters, config: config))?
                .contains("clips updates on the client") == true)
        #expect(
            FlowerConversion.unsupported(
                FitInstruction(
                    round: 1, parameters: Self.parameters,
                    config: FitConfig(localEpochs: 1, batchSize: 10, learningRate: 0.1, seed: 1, proximalMu: 0),
                    correction: [Float](repeating: 0, count: 8)))?.contains("control variates") == true)
    }

    @Test("an evaluation's accuracy is its 'accuracy' metric, and must be there")
    func evaluation() throws {
        var reply = Flwr_Proto_ClientMessage.EvaluateRes()
        reply.loss = 0.25
        reply.numExamples = 5
        #expect(throws: WireError.self) { try FlowerConversion.evaluation(reply) }
        reply.metrics["accuracy"] = .double(0.8)
        #expect(try FlowerConversion.evaluation(reply) == EvaluationResult(loss: 0.25, accuracy: 0.8, exampleCount: 5))
    }

    @Test("a token admits its own name only, and the answer is checked against the challenge")
    func tokens() {
        // The reference values are Python's: hmac.new(bytes([7] * 32), b"concord-flower-token-v1:alpha",
        // hashlib.sha256).hexdigest(), then hmac.new(token.encode(), ("ab" * 32).encode(), hashlib.sha256), the
        // lines a Flower client's get_properties runs (Tools/flower/mnist_client.py).
        let tokens = FlowerTokens(secret: [UInt8](repeating: 7, count: 32))
        #expect(tokens.token(for: "alpha") == "5c4b95a854d3c5c610798ad68b3d77443ae0aadb867dfd1338f5719332a0d2e7")
        let challenge = String(repeating: "ab", count: 32)
        let answer = "5663c28e4327b0e17b5792591bb01bee8b62b58372e93309b5a6e1e144d1b712"
        #expect(tokens.accepts(answer, from: "alpha", to: challenge))
        #expect(!tokens.accepts(answer, from: "beta", to: challenge))
        #expect(!tokens.accepts(answer, from: "alpha", to: FlowerTokens.challenge()))
        #expect(!tokens.accepts("not hex", from: "alpha", to: challenge))
        #expect(!FlowerTokens(secret: [UInt8](repeating: 8, count: 32)).accepts(answer, from: "alpha", to: challenge))
        let fresh = FlowerTokens.challenge()
        #expect(fresh.count == 64 && fresh != FlowerTokens.challenge())
    }
}
