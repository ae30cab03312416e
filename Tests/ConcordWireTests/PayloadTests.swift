import ConcordFederation
import ConcordNN
import Foundation
import Testing

@testable import ConcordWire

@Suite("Payload chunks")
struct PayloadTests {
    @Test("floats cut into 1 MiB chunks reassemble bit for bit")
    func roundTrip() throws {
        let first = (0..<300_000).map { Float($0) * 0.5 - 7 }
        let second: [Float] = [.nan, -0, .infinity, .leastNonzeroMagnitude]
        let payload = Payload.floats(first, second)
        var assembler = try PayloadAssembler(expected: UInt64(payload.byteCount), limit: 1 << 30)
        var index: UInt32 = 0
        for chunk in payload.chunks() {
            #expect(chunk.count <= Payload.chunkSize)
            try assembler.append(index: index, data: chunk)
            index += 1
        }
        #expect(index == 2)
        #expect(assembler.isComplete)
        let back = assembler.bytes.littleEndianFloats(at: 0, count: first.count + second.count)
        #expect(back.map(\.bitPattern) == (first + second).map(\.bitPattern))
    }
}

@Suite("Wire conversion")
struct WireConversionTests {
    @Test("a fit instruction with a correction and DP settings, and an update with a gradient, cross unchanged")
    func roundTrip() throws {
        let layout = ParameterLayout([.init(name: "w", shape: [3, 2]), .init(name: "b", shape: [2])])
        let parameters = try Parameters(layout: layout, values: (0..<8).map { Float($0) - 3.5 })
        var config = FitConfig(
            localEpochs: 3, batchSize: 0, learningRate: 0.05, seed: 99, proximalMu: 0.01, clipNorm: 1.5)
        config.privacy = PrivacyMechanism(samplingRate: 0.1, noiseMultiplier: 1.1, delta: 1e-5, clipNorm: 1.5)
        config.reportsGradient = true
        let instruction = FitInstruction(
            round: 7, parameters: parameters, config: config, correction: Array(repeating: -0.25, count: 8))
        let (task, payload) = WireConversion.fitTask(instruction, model: "mlp")
        let bytes = Data(payload.chunks().joined())
        #expect(try WireConversion.expectedBytes(of: task) == UInt64(bytes.count))
        #expect(try WireConversion.instruction(task, payload: bytes) == instruction)

        var update = ClientUpdate(parameters: parameters, exampleCount: 12, steps: 4, metrics: ["loss": 0.5])
        update.gradient = Array(repeating: 2, count: 8)
        let (reply, replyPayload) = WireConversion.fitReply(update)
        #expect(
            try WireConversion.update(
                reply, payload: Data(replyPayload.chunks().joined()), layout: layout, declaredExamples: 1 << 20) == update)

        // The weight a reply claims is bounded by the examples its node declared; NaN never gets through.
        #expect(throws: WireError.self) {
            try WireConversion.update(
                reply, payload: Data(replyPayload.chunks().joined()), layout: layout, declaredExamples: 11)
        }
        var poisoned = update
        poisoned.parameters.values[3] = .nan
        let (nanReply, nanPayload) = WireConversion.fitReply(poisoned)
        #expect(throws: WireError.malformed("the reply holds non-finite values (NaN or infinity)")) {
            try WireConversion.update(
                nanReply, payload: Data(nanPayload.chunks().joined()), layout: layout, declaredExamples: 12)
        }
    }

    @Test("a payload that disagrees with its layout, a forged shape or another dtype is refused")
    func refusals() throws {
        let layout = ParameterLayout([.init(name: "w", shape: [4])])
        let instruction = FitInstruction(
            round: 1, parameters: try Parameters(layout: layout, values: [1, 2, 3, 4]),
            config: FitConfig(localEpochs: 1, batchSize: 1, learningRate: 0.1, seed: 1))
        var (task, _) = WireConversion.fitTask(instruction, model: "mlp")
        #expect(throws: WireError.self) { try WireConversion.instruction(task, payload: Data(count: 12)) }
        task.layout.entries[0].shape = [1 << 40, 1 << 40]
        #expect(throws: WireError.self) { try WireConversion.expectedBytes(of: task) }
        task.layout.entries[0].shape = [4]
        task.layout.dtype = .unspecified
        #expect(throws: WireError.self) { try WireConversion.expectedBytes(of: task) }
        var assembler = try PayloadAssembler(expected: 8, limit: 8)
        #expect(throws: WireError.self) { try assembler.append(index: 1, data: Data(count: 4)) }
        #expect(throws: WireError.self) { try assembler.append(index: 0, data: Data(count: 9)) }
        #expect(throws: WireError.payloadTooLarge(bytes: 9, limit: 8)) {
            _ = try PayloadAssembler(expected: 9, limit: 8)
        }
    }
}
