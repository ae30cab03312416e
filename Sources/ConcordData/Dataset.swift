import ConcordTensor

/// A labelled dataset held in memory: one feature tensor whose first axis indexes examples.
public struct Dataset: Sendable {
    /// All examples, shape `[count] + exampleShape` (for MNIST `[N, 28, 28, 1]`, NHWC, values in [0, 1]).
    public let features: Tensor
    /// The class index of each example, in `0..<classCount`.
    public let labels: [Int32]
    /// The number of classes labels are drawn from; for regression, the number of outputs per example.
    public let classCount: Int
    /// Regression targets, `count × classCount` row-major (labels are then all 0); nil for classification.
    public let targets: [Float]?

    /// Creates a dataset.
    ///
    /// - Parameters:
    ///   - features: Examples stacked along the first axis (rank at least 1).
    ///   - labels: One label per example, each in `0..<classCount`.
    ///   - classCount: The number of classes.
    /// - Precondition: The first axis of `features` matches `labels.count`, and every label is in range.
    ///   Loaders validate untrusted files before calling this.
    public init(features: Tensor, labels: [Int32], classCount: Int) {
        precondition(features.rank >= 1, "dataset features need a leading example axis, got shape \(features.shape)")
        precondition(
            features.shape[0] == labels.count,
            "\(features.shape[0]) examples but \(labels.count) labels")
        precondition(classCount > 0, "classCount must be positive, got \(classCount)")
        precondition(labels.allSatisfy { $0 >= 0 && Int($0) < classCount }, "label outside 0..<\(classCount)")
        self.features = features
        self.labels = labels
        self.classCount = classCount
        self.targets = nil
    }

    /// Creates a regression dataset: `outputs` real-valued targets per example, labels all 0.
    ///
    /// - Parameters:
    ///   - features: Examples stacked along the first axis (rank at least 1).
    ///   - targets: `count × outputs` values, row-major.
    ///   - outputs: The number of regression outputs per example.
    /// - Precondition: The counts agree. Loaders validate untrusted files before calling this.
    public init(features: Tensor, targets: [Float], outputs: Int = 1) {
        precondition(features.rank >= 1, "dataset features need a leading example axis, got shape \(features.shape)")
        precondition(outputs > 0, "outputs must be positive, got \(outputs)")
        precondition(
            targets.count == features.shape[0] * outputs,
            "\(features.shape[0]) examples but \(targets.count) targets for \(outputs) outputs")
        self.features = features
        self.labels = Array(repeating: 0, count: features.shape[0])
        self.classCount = outputs
        self.targets = targets
    }

    /// The targets of the examples at `indices`, in that order (nil for classification).
    public func targets(_ indices: some Collection<Int>) -> [Float]? {
        guard let targets else { return nil }
        var picked: [Float] = []
        picked.reserveCapacity(indices.count * classCount)
        for index in indices { picked.append(contentsOf: targets[(index * classCount)..<((index + 1) * classCount)]) }
        return picked
    }

    /// The number of examples.
    public var count: Int { labels.count }

    /// The shape of one example (the feature shape without its first axis).
    public var exampleShape: [Int] { Array(features.shape.dropFirst()) }

    /// The number of scalars in one example.
    public var exampleScalarCount: Int { Tensor.elementCount(exampleShape) }

    /// Copies the examples at `indices` into caller-provided storage, one row after another.
    ///
    /// This is the per-step hot path of training: each example is one `memcpy`.
    /// - Parameters:
    ///   - indices: Example indices, each in `0..<count` (repeats allowed).
    ///   - features: Room for `indices.count * exampleScalarCount` scalars.
    ///   - labels: Room for `indices.count` labels.
    /// - Precondition: Indices are in range and both buffers are large enough.
    public func gather(
        _ indices: some Collection<Int>,
        intoFeatures features: UnsafeMutableBufferPointer<Float>,
        labels: UnsafeMutableBufferPointer<Int32>
    ) {
        precondition(
            features.count >= indices.count * exampleScalarCount,
            "feature buffer too small for \(indices.count) examples")
        precondition(labels.count >= indices.count, "label buffer too small for \(indices.count) examples")
        self.features.gatherExamples(indices, into: features.start)
        for (slot, index) in indices.enumerated() { labels[slot] = self.labels[index] }
    }

    /// Copies the examples at `indices` into `features` and `labels`, reusing their storage
    /// when they already have the batch's size (so a training loop allocates once).
    ///
    /// - Parameters:
    ///   - indices: Example indices, each in `0..<count`.
    ///   - features: Receives a tensor of shape `[indices.count] + exampleShape`.
    ///   - labels: Receives `indices.count` labels.
    public func gather(_ indices: some Collection<Int>, into features: inout Tensor, labels: inout [Int32]) {
        self.features.gatherExamples(indices, into: &features)
        labels.removeAll(keepingCapacity: true)
        labels.append(contentsOf: indices.lazy.map { self.labels[$0] })
    }

    /// The examples at `indices` as a new batch.
    ///
    /// - Parameter indices: Example indices, each in `0..<count`.
    /// - Returns: Features of shape `[indices.count] + exampleShape` and their labels.
    public func batch(_ indices: some Collection<Int>) -> (features: Tensor, labels: [Int32]) {
        (features.gatherExamples(indices), indices.map { labels[$0] })
    }

    /// A dataset holding the examples at `indices`, in that order (for example one client's shard).
    ///
    /// - Parameter indices: Example indices, each in `0..<count`.
    public func subset(_ indices: some Collection<Int>) -> Dataset {
        let (features, labels) = batch(indices)
        if let targets = targets(indices) { return Dataset(features: features, targets: targets, outputs: classCount) }
        return Dataset(features: features, labels: labels, classCount: classCount)
    }
}

/// A dataset's training and test portions.
public struct DatasetSplit: Sendable {
    /// The examples to train on.
    public var train: Dataset
    /// The held-out examples to evaluate on.
    public var test: Dataset

    /// Creates a split from its two portions.
    public init(train: Dataset, test: Dataset) {
        self.train = train
        self.test = test
    }
}
