import ConcordTensor

/// The outcome of evaluating a model on labelled examples.
public struct Evaluation: Sendable, Equatable, Codable {
    /// Mean loss per example, by the model's loss (softmax cross-entropy for the zoo's models; for mean squared
    /// error the halved squared error summed over the outputs).
    public var loss: Double
    /// Fraction of examples whose top-1 prediction is the label (σ(z) ≥ ½ for a binary model; 0 for regression).
    public var accuracy: Double
    /// Examples evaluated.
    public var count: Int
    /// AUC, precision and recall, for a model trained with binary cross-entropy; nil otherwise.
    public var binary: BinaryClassificationMetrics?

    /// Creates an evaluation from its parts.
    public init(loss: Double, accuracy: Double, count: Int, binary: BinaryClassificationMetrics? = nil) {
        self.loss = loss
        self.accuracy = accuracy
        self.count = count
        self.binary = binary
    }
}

extension Sequential {
    /// Mean loss and accuracy on labelled examples, in batches, without training (and AUC, precision and recall
    /// for a binary model).
    ///
    /// - Parameters:
    ///   - features: the examples, `[n] + inputShape`.
    ///   - labels: `n` class indices (all 0 for regression).
    ///   - targets: regression targets, `n × outputs` row-major; needed by mean squared error only.
    ///   - batchSize: examples per forward pass.
    /// - Throws: ``ModelError`` when the data does not fit the model.
    public func evaluate(
        features: Tensor, labels: [Int32], targets: [Float]? = nil, batchSize: Int = 1000
    ) throws
        -> Evaluation
    {
        try evaluateKeepingScores(features: features, labels: labels, targets: targets, batchSize: batchSize).evaluation
    }

    /// ``evaluate(features:labels:targets:batchSize:)``, also returning a binary model's logits (empty for other
    /// losses), so that evaluations of pieces of a test set can be combined into one AUC.
    ///
    /// - Throws: ``ModelError`` when the data does not fit the model.
    public func evaluateKeepingScores(
        features: Tensor, labels: [Int32], targets: [Float]? = nil, batchSize: Int = 1000
    ) throws -> (evaluation: Evaluation, scores: [Float]) {
        try checkInput(features)
        try checkLabels(labels, batch: features.shape[0])
        try checkTargets(targets, batch: features.shape[0])
        var lossSum = 0.0, correct = 0, start = 0
        var scores: [Float] = []
        let step = max(1, batchSize), width = targetWidth
        while start < labels.count {
            let end = min(labels.count, start + step)
            let outputs = forwardUnchecked(features.examples(start..<end), training: false)
            let (l, c) = lossAndCorrect(
                outputs: outputs, labels: Array(labels[start..<end]),
                targets: targets.map { Array($0[(start * width)..<(end * width)]) })
            if loss == .binaryCrossEntropy { scores.append(contentsOf: outputs.scalars) }
            lossSum += l
            correct += c
            start = end
        }
        let n = Double(max(labels.count, 1))
        var evaluation = Evaluation(loss: lossSum / n, accuracy: Double(correct) / n, count: labels.count)
        if loss == .binaryCrossEntropy {
            evaluation.binary = BinaryClassificationMetrics(scores: scores, labels: labels, threshold: 0)
        }
        return (evaluation, scores)
    }
}
