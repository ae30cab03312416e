import ConcordTensor
import Testing

@testable import ConcordNN

/// Whole training steps (forward, cross-entropy, backward, update) against PyTorch 2.13.
///
/// Reference: `torch.nn.Linear(3, 2)` with the weights below, `cross_entropy` on the batch below,
/// three steps of the named optimiser; the final parameters printed by PyTorch are the expectations.
@Suite("Optimisers match PyTorch")
struct OptimizerTests {
    static let x = Tensor(shape: [4, 3], scalars: [1, 2, -1, 0.5, -1.5, 2, -0.3, 0.8, 0.1, 1.2, 0, -0.7])
    static let labels: [Int32] = [0, 1, 1, 0]

    func trainThreeSteps(_ optimizer: any Optimizer) throws -> (weight: [Float], bias: [Float]) {
        var g = SeededGenerator(seed: 0)
        let layer = Dense(name: "fc", inputSize: 3, outputSize: 2, generator: &g)
        layer.weight = Tensor(shape: [2, 3], scalars: [0.1, -0.2, 0.3, 0.4, 0.5, -0.6])
        layer.bias = Tensor(shape: [2], scalars: [0.05, -0.05])
        let model = try Sequential(inputShape: [3], layers: [layer])
        for _ in 0..<3 { try model.trainStep(inputs: Self.x, labels: Self.labels, optimizer: optimizer) }
        return (layer.weight.scalars, layer.bias.scalars)
    }

    func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 2e-6) {
        #expect(actual.count == expected.count)
        for (a, e) in zip(actual, expected) { #expect(abs(a - e) <= tolerance, "\(a) vs PyTorch \(e)") }
    }

    @Test func plainSGDFusedIntoTheBackwardPass() throws {
        // torch.optim.SGD(lr=0.1): Concord applies this update inside Dense's backward GEMM.
        let (w, b) = try trainThreeSteps(SGD(learningRate: 0.1))
        expectClose(
            w,
            [
                0.20114071667194366, 0.004977554082870483, 0.06106749176979065,
                0.29885926842689514, 0.2950224280357361, -0.3610674738883972,
            ])
        expectClose(b, [0.06321925669908524, -0.06321924924850464])
    }

    @Test func sgdWithMomentumAndWeightDecay() throws {
        // torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=0.01)
        let (w, b) = try trainThreeSteps(SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01))
        expectClose(
            w,
            [
                0.2894110083580017, 0.1850932240486145, -0.14911659061908722,
                0.20778638124465942, 0.11322524398565292, -0.14920185506343842,
            ])
        expectClose(b, [0.07571166008710861, -0.07571166008710861])
    }

    @Test func sgdWithNesterovMomentum() throws {
        // torch.optim.SGD(lr=0.1, momentum=0.9, nesterov=True)
        let (w, b) = try trainThreeSteps(SGD(learningRate: 0.1, momentum: 0.9, nesterov: true))
        expectClose(
            w,
            [
                0.3542308211326599, 0.29897308349609375, -0.2969490885734558,
                0.1457691788673401, 0.0010268959449604154, -0.0030509140342473984,
            ])
        expectClose(b, [0.07182880491018295, -0.07182879745960236])
    }

    @Test func adamWithWeightDecay() throws {
        // torch.optim.Adam(lr=0.01, weight_decay=0.01)
        let (w, b) = try trainThreeSteps(Adam(learningRate: 0.01, weightDecay: 0.01))
        expectClose(
            w,
            [
                0.1299859881401062, -0.1700083166360855, 0.2700059711933136,
                0.3700138032436371, 0.47000831365585327, -0.5700059533119202,
            ])
        expectClose(b, [0.07984981685876846, -0.07984982430934906])
    }

    @Test func resetForgetsMomentum() throws {
        let sgd = SGD(learningRate: 0.1, momentum: 0.9)
        let first = try trainThreeSteps(sgd)
        sgd.reset()
        let second = try trainThreeSteps(sgd)
        #expect(first.weight == second.weight)
    }
}
