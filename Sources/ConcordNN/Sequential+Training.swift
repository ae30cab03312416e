import ConcordTensor

extension Sequential {
    /// One pass over `features`/`labels` in shuffled mini-batches (a short last batch included).
    ///
    /// - Parameters:
    ///   - features: all examples, `[n] + inputShape`.
    ///   - labels: `n` class indices (all 0 for regression).
    ///   - targets: regression targets, `n × outputs` row-major; needed by mean squared error only.
    ///   - rows: the examples to train on, by index into `features` (one participant's share of a dataset
    ///     shared by many); all `n` in order when nil. The batches are those of training on a copy of the
    ///     rows, row for row, so the two give bit-identical parameters.
    ///   - batchSize: examples per step.
    ///   - generator: draws the shuffle; a run is reproducible from its seed.
    ///   - shouldStop: checked before each step; when it returns true the epoch ends with `CancellationError`.
    ///   - progress: called after each step with (steps done, steps in the epoch, batch loss).
    /// - Returns: the mean training loss over the epoch's examples.
    /// - Throws: ``ModelError`` when the data does not fit the model; `CancellationError` when stopped.
    @discardableResult
    public func trainEpoch(
        features: Tensor, labels: [Int32], targets: [Float]? = nil, rows: [Int]? = nil, batchSize: Int,
        optimizer: any Optimizer,
        generator: inout SeededGenerator, shouldStop: (() -> Bool)? = nil,
        progress: ((Int, Int, Float) -> Void)? = nil
    ) throws -> Double {
        try checkInput(features)
        if let rows {
            try checkRows(rows, labels: labels, batch: features.shape[0])
        } else {
            try checkLabels(labels, batch: features.shape[0])
        }
        try checkTargets(targets, batch: features.shape[0])
        guard batchSize > 0 else {
            throw ModelError.incompatibleShape(layer: "batch", expected: "a batch size ≥ 1", got: [batchSize])
        }
        var order = Array(0..<(rows?.count ?? labels.count))
        order.shuffle(using: &generator)
        let steps = (order.count + batchSize - 1) / batchSize
        var lossSum = 0.0
        var inputs = Tensor.empty
        var batchRows: [Int] = [], batchLabels: [Int32] = [], batchTargets: [Float] = []
        batchRows.reserveCapacity(batchSize)
        batchLabels.reserveCapacity(batchSize)
        for step in 0..<steps {
            if let shouldStop, shouldStop() { throw CancellationError() }
            let slice = order[(step * batchSize)..<min(order.count, (step + 1) * batchSize)]
            batchRows.removeAll(keepingCapacity: true)
            if let rows {
                for position in slice { batchRows.append(rows[position]) }
            } else {
                batchRows.append(contentsOf: slice)
            }
            batchLabels.removeAll(keepingCapacity: true)
            for row in batchRows { batchLabels.append(labels[row]) }
            features.gatherExamples(batchRows, into: &inputs)
            if let targets { gatherTargets(targets, rows: batchRows, into: &batchTargets) }
            let loss = uncheckedStep(inputs, batchLabels, optimizer, targets: targets == nil ? nil : batchTargets)
            lossSum += Double(loss) * Double(slice.count)
            progress?(step + 1, steps, loss)
        }
        return order.isEmpty ? 0 : lossSum / Double(order.count)
    }

    /// Checks that every row indexes one of `batch` examples and that its label is a class of the model.
    func checkRows(_ rows: [Int], labels: [Int32], batch: Int) throws {
        guard labels.count == batch else {
            throw ModelError.incompatibleShape(layer: "labels", expected: "\(batch) labels", got: [labels.count])
        }
        let classes = Int32(labelClassCount)
        for row in rows {
            guard row >= 0, row < batch else {
                throw ModelError.incompatibleShape(layer: "rows", expected: "indices in 0..<\(batch)", got: [row])
            }
            let label = labels[row]
            guard label >= 0, label < classes else {
                throw ModelError.incompatibleShape(
                    layer: "labels", expected: "class indices in 0..<\(classes)", got: [Int(label)])
            }
        }
    }
}
