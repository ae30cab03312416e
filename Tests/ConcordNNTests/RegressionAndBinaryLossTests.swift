import ConcordTensor
import Testing

@testable import ConcordNN

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Binary cross-entropy and mean squared error: known values and gradients against central finite differences.
@Suite("Binary cross-entropy and mean squared error")
struct RegressionAndBinaryLossTests {
    static let logits = Tensor(shape: [5, 1], scalars: [0, 2.5, -1.25, 30, -40])
    static let labels: [Int32] = [1, 0, 0, 1, 1]

    @Test func binaryCrossEntropyMatchesTheDefinition() {
        let (loss, _) = BinaryCrossEntropy.lossAndGradient(logits: Self.logits, labels: Self.labels)
        // −y·log σ(z) − (1−y)·log(1−σ(z)) in Double; at z = −40 with y = 1 the loss is 40 (the stable form keeps it).
        var expected = 0.0
        for (z, y) in zip(Self.logits.scalars.map(Double.init), Self.labels) {
            expected += y == 1 ? log1p(exp(-z)) : log1p(exp(z))
        }
        expected /= 5
        #expect(abs(Double(loss) - expected) < 1e-4, "\(loss) vs \(expected)")
        #expect(loss.isFinite)
    }

    @Test func binaryCrossEntropyGradientMatchesFiniteDifferences() {
        let z = Tensor(shape: [4, 1], scalars: [0.3, -1.1, 2.0, -0.2])
        let y: [Int32] = [1, 0, 1, 0]
        let (_, analytic) = BinaryCrossEntropy.lossAndGradient(logits: z, labels: y)
        let h: Float = 1e-2
        for i in 0..<z.count {
            var plus = z, minus = z
            plus.scalars[i] += h
            minus.scalars[i] -= h
            let numeric =
                (Double(BinaryCrossEntropy.lossAndGradient(logits: plus, labels: y).loss)
                    - Double(BinaryCrossEntropy.lossAndGradient(logits: minus, labels: y).loss)) / Double(2 * h)
            #expect(
                abs(numeric - Double(analytic.scalars[i])) < 1e-3, "logit \(i): \(numeric) vs \(analytic.scalars[i])")
        }
    }

    @Test func binaryCorrectCountsThresholdAtZeroLogit() {
        let (sum, correct) = BinaryCrossEntropy.lossAndCorrect(logits: Self.logits, labels: Self.labels)
        // Predictions 1, 1, 0, 1, 0 against 1, 0, 0, 1, 1.
        #expect(correct == 3)
        #expect(
            abs(sum - 5 * Double(BinaryCrossEntropy.lossAndGradient(logits: Self.logits, labels: Self.labels).loss))
                < 1e-3)
    }

    @Test func meanSquaredErrorValueAndGradient() {
        let p = Tensor(shape: [3, 2], scalars: [1, 2, 0.5, -1, 3, 0])
        let t: [Float] = [0, 2, 1.5, -1, 1, 1]
        let (loss, gradient) = MeanSquaredError.lossAndGradient(predictions: p, targets: t)
        // Squared errors 1, 0, 1, 0, 4, 1 sum to 7; halved and averaged over 3 examples.
        #expect(abs(loss - 7.0 / 6.0) < 1e-6)
        #expect(MeanSquaredError.squaredErrorSum(predictions: p, targets: t) == 7)
        let h: Float = 1e-2
        for i in 0..<p.count {
            var plus = p, minus = p
            plus.scalars[i] += h
            minus.scalars[i] -= h
            let numeric =
                (Double(MeanSquaredError.lossAndGradient(predictions: plus, targets: t).loss)
                    - Double(MeanSquaredError.lossAndGradient(predictions: minus, targets: t).loss)) / Double(2 * h)
            #expect(
                abs(numeric - Double(gradient.scalars[i])) < 1e-3, "output \(i): \(numeric) vs \(gradient.scalars[i])")
        }
    }
}
