import ConcordTensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Softmax followed by cross-entropy against integer class labels, averaged over the batch.
public enum SoftmaxCrossEntropy {
    /// The mean loss and its gradient with respect to the logits ((softmax − one-hot) / batch).
    ///
    /// - Parameters:
    ///   - logits: [batch, classes].
    ///   - labels: one class index per example, each in `0..<classes`.
    public static func lossAndGradient(logits: Tensor, labels: [Int32]) -> (loss: Float, gradient: Tensor) {
        let batch = logits.shape[0], classes = logits.shape[1]
        precondition(labels.count == batch, "\(labels.count) labels for a batch of \(batch)")
        var total: Double = 0
        let invBatch = 1 / Float(max(batch, 1))
        let gradient = Tensor(uninitializedShape: logits.shape) { grad in
            logits.withUnsafeBufferPointer { z in
                for r in 0..<batch {
                    let row = z.start + r * classes, g = grad.start + r * classes
                    var peak = row[0]
                    for c in 1..<classes { peak = max(peak, row[c]) }
                    var sum: Float = 0
                    for c in 0..<classes {
                        let e = expf(row[c] - peak)
                        g[c] = e
                        sum += e
                    }
                    let label = Int(labels[r])
                    total += Double(logf(sum) - (row[label] - peak))
                    let scale = invBatch / sum
                    for c in 0..<classes { g[c] *= scale }
                    g[label] -= invBatch
                }
            }
        }
        return (Float(total / Double(max(batch, 1))), gradient)
    }

    /// The summed loss and the number of correct top-1 predictions, without a gradient (for evaluation).
    public static func lossAndCorrect(logits: Tensor, labels: [Int32]) -> (lossSum: Double, correct: Int) {
        let batch = logits.shape[0], classes = logits.shape[1]
        var total: Double = 0, correct = 0
        logits.withUnsafeBufferPointer { z in
            for r in 0..<batch {
                let row = z.start + r * classes
                var peak = row[0], best = 0
                for c in 1..<classes where row[c] > peak { peak = row[c]; best = c }
                var sum: Float = 0
                for c in 0..<classes { sum += expf(row[c] - peak) }
                let label = Int(labels[r])
                total += Double(logf(sum) - (row[label] - peak))
                if best == label { correct += 1 }
            }
        }
        return (total, correct)
    }
}
