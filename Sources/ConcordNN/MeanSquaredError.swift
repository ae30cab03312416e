import ConcordTensor

/// Mean squared error for regression: the mean over the batch of Σ_j (prediction − target)², halved.
///
/// Halving makes the gradient (prediction − target) / batch, the form the other losses share.
public enum MeanSquaredError {
    /// The mean loss and its gradient with respect to the predictions.
    ///
    /// - Parameters:
    ///   - predictions: [batch, outputs].
    ///   - targets: batch × outputs values, row-major, matching `predictions`.
    public static func lossAndGradient(predictions: Tensor, targets: [Float]) -> (loss: Float, gradient: Tensor) {
        precondition(
            predictions.shape.count == 2, "regression outputs must be [batch, outputs], got \(predictions.shape)")
        precondition(targets.count == predictions.count, "\(targets.count) targets for \(predictions.count) outputs")
        let batch = predictions.shape[0]
        let invBatch = 1 / Float(max(batch, 1))
        var total: Double = 0
        let gradient = Tensor(uninitializedShape: predictions.shape) { grad in
            predictions.withUnsafeBufferPointer { p in
                for i in 0..<targets.count {
                    let d = p[i] - targets[i]
                    total += Double(d) * Double(d)
                    grad[i] = d * invBatch
                }
            }
        }
        return (Float(total / 2 / Double(max(batch, 1))), gradient)
    }

    /// The summed squared error over every output of the batch (not halved), for evaluation.
    public static func squaredErrorSum(predictions: Tensor, targets: [Float]) -> Double {
        precondition(targets.count == predictions.count, "\(targets.count) targets for \(predictions.count) outputs")
        var total: Double = 0
        predictions.withUnsafeBufferPointer { p in
            for i in 0..<targets.count {
                let d = Double(p[i]) - Double(targets[i])
                total += d * d
            }
        }
        return total
    }
}
