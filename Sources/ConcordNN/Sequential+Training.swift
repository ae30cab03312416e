import ConcordTensor

/// The outcome of evaluating a model on labelled examples.
public struct Evaluation: Sendable, Equatable, Codable {
    /// Mean softmax cross-entropy.
    public var loss: Double
    /// Fraction of examples whose top-1 prediction is the label.
    public var accuracy: Double
    /// Examples evaluated.
    public var count: Int
}

extension Sequential {
    /// One pass over `features`/`labels` in shuffled mini-batches (a short last batch included).
    ///
    /// - Parameters:
    ///   - features: all examples, `[n] + inputShape`.
    ///   - labels: `n` class indices.
    ///   - batchSize: examples per step.
    ///   - generator: draws the shuffle; a run is reproducible from its seed.
    ///   - shouldStop: checked before each step; when it returns true the epoch ends with `CancellationError`.
    ///   - progress: called after each step with (steps done, steps in the epoch, batch loss).
    /// - Returns: the mean training loss over the epoch's examples.
    /// - Throws: ``ModelError`` when the data does not fit the model; `CancellationError` when stopped.
    @discardableResult
    public func trainEpoch(
        features: Tensor, labels: [Int32], batchSize: Int, optimizer: any Optimizer,
        generator: inout SeededGenerator, shouldStop: (() -> Bool)? = nil,
        progress: ((Int, Int, Float) -> Void)? = nil
    ) throws -> Double {
        try checkInput(features)
        try checkLabels(labels, batch: features.shape[0])
        guard batchSize > 0 else {
            throw ModelError.incompatibleShape(layer: "batch", expected: "a batch size ≥ 1", got: [batchSize])
        }
        var order = Array(0..<labels.count)
        order.shuffle(using: &generator)
        let steps = (order.count + batchSize - 1) / batchSize
        var lossSum = 0.0
        var inputs = Tensor.empty
        for step in 0..<steps {
            if let shouldStop, shouldStop() { throw CancellationError() }
            let slice = order[(step * batchSize)..<min(order.count, (step + 1) * batchSize)]
            features.gatherExamples(slice, into: &inputs)
            let loss = uncheckedStep(inputs, slice.map { labels[$0] }, optimizer)
            lossSum += Double(loss) * Double(slice.count)
            progress?(step + 1, steps, loss)
        }
        return order.isEmpty ? 0 : lossSum / Double(order.count)
    }

    /// Mean loss and top-1 accuracy on labelled examples, in batches, without training.
    ///
    /// - Throws: ``ModelError`` when the data does not fit the model.
    public func evaluate(features: Tensor, labels: [Int32], batchSize: Int = 1000) throws -> Evaluation {
        try checkInput(features)
        try checkLabels(labels, batch: features.shape[0])
        var lossSum = 0.0, correct = 0, start = 0
        let step = max(1, batchSize)
        while start < labels.count {
            let end = min(labels.count, start + step)
            let logits = forwardUnchecked(features.examples(start..<end), training: false)
            let (l, c) = SoftmaxCrossEntropy.lossAndCorrect(logits: logits, labels: Array(labels[start..<end]))
            lossSum += l
            correct += c
            start = end
        }
        let n = Double(max(labels.count, 1))
        return Evaluation(loss: lossSum / n, accuracy: Double(correct) / n, count: labels.count)
    }
}
