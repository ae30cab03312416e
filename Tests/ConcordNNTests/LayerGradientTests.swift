import ConcordTensor
import Testing

@testable import ConcordNN

/// Every layer's backward pass against central finite differences (relative error < 1e-3).
@Suite("Layer gradients match finite differences")
struct LayerGradientTests {
    static let tolerance = 1e-3

    func expectClose(_ result: GradientCheck.Result, checkInput: Bool = true) {
        if checkInput { #expect(result.inputError < Self.tolerance, "input gradient error \(result.inputError)") }
        for (i, e) in result.parameterErrors.enumerated() {
            #expect(e < Self.tolerance, "parameter \(i) gradient error \(e)")
        }
    }

    @Test(arguments: [(1, 5, 3, Activation.identity), (4, 7, 6, .identity), (3, 1, 1, .identity), (4, 7, 6, .relu)])
    func dense(batch: Int, inputs: Int, outputs: Int, activation: Activation) {
        var g = SeededGenerator(seed: 1)
        let layer = Dense(name: "fc", inputSize: inputs, outputSize: outputs, activation: activation, generator: &g)
        // Smaller steps with ReLU, so that ±h rarely straddles a kink at zero.
        let h: Float = activation == .relu ? 1e-3 : 1e-2
        expectClose(GradientCheck.run(layer, input: GradientCheck.input([batch, inputs], seed: 2), step: h))
    }

    struct ConvCase: Sendable, CustomTestStringConvertible {
        var batch, height, width, inChannels, outChannels, kernel, stride: Int
        var padding: Conv2D.Padding
        var activation = Activation.identity
        var testDescription: String {
            "\(batch)x\(height)x\(width)x\(inChannels)→\(outChannels) k\(kernel) s\(stride) \(padding) \(activation)"
        }
    }

    @Test(arguments: [
        ConvCase(batch: 2, height: 5, width: 5, inChannels: 2, outChannels: 3, kernel: 3, stride: 1, padding: .same),
        ConvCase(batch: 1, height: 6, width: 5, inChannels: 1, outChannels: 2, kernel: 3, stride: 2, padding: .same),
        ConvCase(batch: 2, height: 6, width: 6, inChannels: 3, outChannels: 2, kernel: 3, stride: 2, padding: .valid),
        ConvCase(
            batch: 1, height: 4, width: 5, inChannels: 2, outChannels: 2, kernel: 2, stride: 1, padding: .explicit(1)),
        ConvCase(batch: 2, height: 7, width: 7, inChannels: 2, outChannels: 4, kernel: 5, stride: 1, padding: .same),
        ConvCase(
            batch: 2, height: 6, width: 6, inChannels: 3, outChannels: 4, kernel: 3, stride: 1, padding: .same,
            activation: .relu),
    ])
    func conv2D(_ c: ConvCase) {
        var g = SeededGenerator(seed: 3)
        let layer = Conv2D(
            name: "conv", inChannels: c.inChannels, outChannels: c.outChannels, kernelSize: c.kernel,
            stride: c.stride, padding: c.padding, activation: c.activation, generator: &g)
        let input = GradientCheck.input([c.batch, c.height, c.width, c.inChannels], seed: 4)
        expectClose(GradientCheck.run(layer, input: input, step: c.activation == .relu ? 1e-3 : 1e-2))
    }

    @Test(arguments: [Activation.identity, .relu])
    func convolutionInChunksEqualsTheWholeBatch(activation: Activation) throws {
        // Large batches are convolved a few images at a time; the result must not depend on it.
        var g1 = SeededGenerator(seed: 21), g2 = SeededGenerator(seed: 21)
        let whole = Conv2D(
            name: "c", inChannels: 3, outChannels: 5, kernelSize: 3, padding: .same,
            activation: activation, generator: &g1)
        let chunked = Conv2D(
            name: "c", inChannels: 3, outChannels: 5, kernelSize: 3, padding: .same,
            activation: activation, generator: &g2)
        chunked.wholeBatchBytes = 0
        chunked.chunkBytes = 2 * 36 * 27 * 4  // two 6×6 images' im2col rows per chunk, so 3 chunks for 5 images
        let x = GradientCheck.input([5, 6, 6, 3], seed: 22)
        let dy = GradientCheck.input([5, 6, 6, 5], seed: 23)
        let y1 = whole.forward(x, training: true), y2 = chunked.forward(x, training: true)
        let dx1 = try #require(whole.backward(dy, needsInputGradient: true))
        let dx2 = try #require(chunked.backward(dy, needsInputGradient: true))
        func close(_ a: [Float], _ b: [Float]) -> Bool {
            zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) }
        }
        #expect(close(y1.scalars, y2.scalars))
        #expect(close(dx1.scalars, dx2.scalars))
        var grads1: [[Float]] = [], grads2: [[Float]] = []
        whole.updateParameters { _, _, grad in grads1.append(grad.scalars) }
        chunked.updateParameters { _, _, grad in grads2.append(grad.scalars) }
        #expect(zip(grads1, grads2).allSatisfy { close($0, $1) })
    }

    @Test(arguments: [
        (2, 1, [2, 6, 7, 3]), (2, 2, [2, 6, 7, 3]), (3, 2, [2, 6, 7, 3]),
        (2, 2, [2, 4, 6, 20]),  // windows tile the input; 16 SIMD channels plus a remainder
    ])
    func maxPool(pool: Int, stride: Int, shape: [Int]) {
        let layer = MaxPool2D(name: "pool", poolSize: pool, stride: stride)
        expectClose(GradientCheck.run(layer, input: GradientCheck.distinctInput(shape, seed: 5)))
    }

    @Test func relu() {
        expectClose(GradientCheck.run(ReLU(), input: GradientCheck.input([3, 11], seed: 6)))
    }

    @Test func flatten() {
        expectClose(GradientCheck.run(Flatten(), input: GradientCheck.input([2, 3, 4, 2], seed: 8)))
    }

    @Test func dropoutAppliesItsMaskToTheGradient() throws {
        let layer = Dropout(rate: 0.5, generator: SeededGenerator(seed: 9))
        let x = GradientCheck.input([4, 50], seed: 10)
        let y = layer.forward(x, training: true)
        let dy = GradientCheck.input([4, 50], seed: 11)
        let dx = try #require(layer.backward(dy, needsInputGradient: true))
        var dropped = 0
        for i in 0..<x.count {
            let mask = y.scalars[i] / x.scalars[i]
            #expect(mask == 0 || abs(mask - 2) < 1e-5)
            #expect(abs(dx.scalars[i] - dy.scalars[i] * mask) < 1e-6)
            if mask == 0 { dropped += 1 }
        }
        #expect(dropped > 60 && dropped < 140, "dropped \(dropped) of 200 at rate 0.5")
        #expect(layer.forward(x, training: false) == x)
    }

    @Test func softmaxCrossEntropyGradient() {
        let logits = GradientCheck.input([4, 5], seed: 12)
        let labels: [Int32] = [0, 3, 4, 1]
        let (_, gradient) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels)
        var numeric: [Double] = []
        let h: Float = 1e-2
        for i in 0..<logits.count {
            var plus = logits, minus = logits
            plus.scalars[i] += h
            minus.scalars[i] -= h
            let lp = SoftmaxCrossEntropy.lossAndGradient(logits: plus, labels: labels).loss
            let lm = SoftmaxCrossEntropy.lossAndGradient(logits: minus, labels: labels).loss
            numeric.append(Double(lp - lm) / Double(2 * h))
        }
        let error = GradientCheck.relativeError(numeric, gradient.scalars.map(Double.init))
        #expect(error < Self.tolerance, "softmax cross-entropy gradient error \(error)")
    }

    @Test func wholeModelGradientMatchesFiniteDifferences() throws {
        // A small CNN end to end: the chained backward equals the loss's numeric derivative.
        var g = SeededGenerator(seed: 13)
        let model = try Sequential(
            inputShape: [6, 6, 1],
            layers: [
                Conv2D(name: "conv", inChannels: 1, outChannels: 2, kernelSize: 3, padding: .same, generator: &g),
                ReLU(), MaxPool2D(), Flatten(), Dense(name: "fc", inputSize: 18, outputSize: 3, generator: &g),
            ])
        let x = GradientCheck.input([2, 6, 6, 1], seed: 14)
        let labels: [Int32] = [2, 0]
        func loss() throws -> Double {
            SoftmaxCrossEntropy.lossAndCorrect(logits: try model.forward(x), labels: labels).lossSum / 2
        }
        let logits = try model.forward(x, training: true)
        model.backward(SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels).gradient)
        var analytic: [Double] = []
        model.forEachParameter { _, _, grad in analytic += grad.scalars.map(Double.init) }
        var numeric: [Double] = []
        var flat = model.flatParameters()
        let h: Float = 1e-3
        for i in 0..<flat.count {
            let saved = flat[i]
            flat[i] = saved + h; try model.setFlatParameters(flat); let plus = try loss()
            flat[i] = saved - h; try model.setFlatParameters(flat); let minus = try loss()
            flat[i] = saved
            numeric.append((plus - minus) / Double(2 * h))
        }
        let error = GradientCheck.relativeError(numeric, analytic)
        print("whole-model gradient relative error \(error)")
        #expect(error < Self.tolerance, "whole-model gradient error \(error)")
    }
}
