import ConcordTensor

/// Dispatch on the model's ``Sequential/loss``: the one place training and evaluation pick the loss function.
extension Sequential {
    /// The number of classes labels index: 2 for binary cross-entropy's single logit, the output width otherwise
    /// (regression data carry all-zero labels beside their targets).
    var labelClassCount: Int { loss == .binaryCrossEntropy ? 2 : (outputShape.last ?? 0) }

    /// The regression outputs per example that `targets` must hold (mean squared error), else 0.
    var targetWidth: Int { loss == .meanSquaredError ? Tensor.elementCount(outputShape) : 0 }

    /// Checks that the model's output suits its loss and that regression targets are there when the loss needs them.
    ///
    /// - Throws: ``ModelError/incompatibleShape(layer:expected:got:)`` for a binary model without exactly one
    ///   output, or mean squared error without `batch × outputs` targets.
    func checkTargets(_ targets: [Float]?, batch: Int) throws {
        switch loss {
        case .softmaxCrossEntropy:
            return
        case .binaryCrossEntropy:
            guard outputShape == [1] else {
                throw ModelError.incompatibleShape(
                    layer: "output", expected: "one logit for binary_cross_entropy", got: outputShape)
            }
        case .meanSquaredError:
            guard outputShape.count == 1 else {
                throw ModelError.incompatibleShape(
                    layer: "output", expected: "a flat output for mean_squared_error", got: outputShape)
            }
            let expected = batch * targetWidth
            guard let targets, targets.count == expected else {
                throw ModelError.incompatibleShape(
                    layer: "targets", expected: "\(expected) regression targets for mean_squared_error",
                    got: [targets?.count ?? 0])
            }
            if let bad = targets.first(where: { !$0.isFinite }) {
                throw ModelError.incompatibleShape(
                    layer: "targets", expected: "finite regression targets", got: [Int(bad.bitPattern)])
            }
        }
    }

    /// The batch's mean loss and its gradient with respect to `outputs` (the model's forward pass of the batch), by
    /// the model's ``loss``: what ``backward(_:)`` takes.
    ///
    /// - Parameters:
    ///   - outputs: the model's outputs for the batch, `[batch] + outputShape`.
    ///   - labels: one class index per example (all 0 for regression).
    ///   - targets: regression targets, `batch × outputs` row-major; needed by mean squared error only.
    /// - Throws: ``ModelError`` when the labels or targets do not fit the model.
    public func lossAndGradient(
        outputs: Tensor, labels: [Int32], targets: [Float]? = nil
    ) throws
        -> (loss: Float, gradient: Tensor)
    {
        guard outputs.rank >= 1, Array(outputs.shape.dropFirst()) == outputShape else {
            throw ModelError.incompatibleShape(
                layer: "output", expected: "[batch] + \(outputShape)", got: outputs.shape)
        }
        try checkLabels(labels, batch: outputs.shape[0])
        try checkTargets(targets, batch: outputs.shape[0])
        return uncheckedLossAndGradient(outputs: outputs, labels: labels, targets: targets)
    }

    /// ``lossAndGradient(outputs:labels:targets:)`` on a batch already checked (``checkLabels(_:batch:)``,
    /// ``checkTargets(_:batch:)``).
    func uncheckedLossAndGradient(
        outputs: Tensor, labels: [Int32], targets: [Float]?
    )
        -> (loss: Float, gradient: Tensor)
    {
        switch loss {
        case .softmaxCrossEntropy:
            return SoftmaxCrossEntropy.lossAndGradient(logits: outputs, labels: labels)
        case .binaryCrossEntropy:
            return BinaryCrossEntropy.lossAndGradient(logits: outputs, labels: labels)
        case .meanSquaredError:
            return MeanSquaredError.lossAndGradient(predictions: outputs, targets: targets ?? [])
        }
    }

    /// The batch's summed loss and correct predictions (0 for regression), by the model's loss.
    func lossAndCorrect(outputs: Tensor, labels: [Int32], targets: [Float]?) -> (lossSum: Double, correct: Int) {
        switch loss {
        case .softmaxCrossEntropy:
            return SoftmaxCrossEntropy.lossAndCorrect(logits: outputs, labels: labels)
        case .binaryCrossEntropy:
            return BinaryCrossEntropy.lossAndCorrect(logits: outputs, labels: labels)
        case .meanSquaredError:
            // Halved like the training loss, so evaluation and training losses compare.
            return (MeanSquaredError.squaredErrorSum(predictions: outputs, targets: targets ?? []) / 2, 0)
        }
    }

    /// Copies the targets of `rows` (``targetWidth`` each) into `batch`, reusing its storage.
    func gatherTargets(_ targets: [Float], rows: [Int], into batch: inout [Float]) {
        let width = targetWidth
        batch.removeAll(keepingCapacity: true)
        for row in rows { batch.append(contentsOf: targets[(row * width)..<((row + 1) * width)]) }
    }
}
