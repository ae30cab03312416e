import ConcordTensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sigmoid followed by binary cross-entropy against 0/1 labels, averaged over the batch.
///
/// The model emits one logit per example ([batch, 1]); the loss is computed from the logit directly
/// (log(1 + e^−|z|) form), so it stays finite for large logits.
public enum BinaryCrossEntropy {
    /// The mean loss and its gradient with respect to the logits ((σ(z) − y) / batch).
    ///
    /// - Parameters:
    ///   - logits: [batch, 1].
    ///   - labels: one label per example, each 0 or 1.
    public static func lossAndGradient(logits: Tensor, labels: [Int32]) -> (loss: Float, gradient: Tensor) {
        precondition(
            logits.shape.count == 2 && logits.shape[1] == 1, "binary logits must be [batch, 1], got \(logits.shape)")
        let batch = logits.shape[0]
        precondition(labels.count == batch, "\(labels.count) labels for a batch of \(batch)")
        let invBatch = 1 / Float(max(batch, 1))
        var total: Double = 0
        let gradient = Tensor(uninitializedShape: logits.shape) { grad in
            logits.withUnsafeBufferPointer { z in
                for r in 0..<batch {
                    let y = Float(labels[r])
                    precondition(y == 0 || y == 1, "binary label \(labels[r]) at example \(r) is neither 0 nor 1")
                    total += Double(loss(logit: z[r], label: y))
                    grad[r] = (sigmoid(z[r]) - y) * invBatch
                }
            }
        }
        return (Float(total / Double(max(batch, 1))), gradient)
    }

    /// The summed loss and the number of correct predictions (σ(z) ≥ 0.5 means class 1), without a gradient.
    public static func lossAndCorrect(logits: Tensor, labels: [Int32]) -> (lossSum: Double, correct: Int) {
        var total: Double = 0, correct = 0
        logits.withUnsafeBufferPointer { z in
            for r in 0..<labels.count {
                let y = Float(labels[r])
                total += Double(loss(logit: z[r], label: y))
                if (z[r] >= 0 ? 1 : 0) == labels[r] { correct += 1 }
            }
        }
        return (total, correct)
    }

    /// The logistic function, evaluated without overflow for either sign.
    public static func sigmoid(_ z: Float) -> Float {
        z >= 0 ? 1 / (1 + expf(-z)) : expf(z) / (1 + expf(z))
    }

    /// max(z, 0) − z·y + log(1 + e^−|z|), which equals −y·log σ(z) − (1 − y)·log(1 − σ(z)).
    static func loss(logit z: Float, label y: Float) -> Float {
        max(z, 0) - z * y + log1pf(expf(-abs(z)))
    }
}
