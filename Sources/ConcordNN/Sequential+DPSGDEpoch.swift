import ConcordTensor

extension Sequential {
    /// One DP-SGD epoch (Abadi et al. 2016): round(1/q) steps, each on a Poisson sample of the records (each
    /// included independently with probability q), clipped per example, noised and divided by q·n.
    ///
    /// - Parameters:
    ///   - features: all examples, `[n] + inputShape`.
    ///   - labels: `n` class indices.
    ///   - rows: the records to train on, by index into `features`; all `n` when nil.
    ///   - configuration: C, σ and q.
    ///   - sampler: draws the Poisson samples. Privacy amplification by sampling assumes nobody else can predict
    ///     it, so outside tests pass a cryptographically secure generator, not one seeded from the run's seed.
    ///   - noise: the Gaussian noise source; a cryptographically secure one outside tests.
    ///   - shouldStop: checked before each step; when it returns true the epoch ends with `CancellationError`.
    ///   - progress: called after each step with (steps done, steps in the epoch, batch loss).
    /// - Throws: ``ModelError`` when the data do not fit the model; ``DPSGDError`` for settings out of range, no
    ///   records, or a layer without per-example gradients; `CancellationError` when stopped.
    @discardableResult
    public func trainEpochDPSGD<Sampler: RandomNumberGenerator, Noise: GradientNoise>(
        features: Tensor, labels: [Int32], rows: [Int]? = nil, configuration: DPSGDConfiguration,
        optimizer: any Optimizer, sampler: inout Sampler, noise: inout Noise, shouldStop: (() -> Bool)? = nil,
        progress: ((Int, Int, Float) -> Void)? = nil
    ) throws -> DPSGDEpoch {
        try configuration.validate()
        try checkPerExampleGradients()
        try checkInput(features)
        if let rows {
            try checkRows(rows, labels: labels, batch: features.shape[0])
        } else {
            try checkLabels(labels, batch: features.shape[0])
        }
        let count = rows?.count ?? labels.count
        guard count > 0 else { throw DPSGDError.invalidConfiguration("there are no records to train on") }
        let q = configuration.samplingRate
        let expectedBatchSize = q * Double(count)
        let steps = configuration.stepsPerEpoch
        var epoch = DPSGDEpoch(loss: 0, steps: 0, examples: 0, clipped: 0)
        var lossSum = 0.0
        var inputs = Tensor.empty
        var batchRows: [Int] = [], batchLabels: [Int32] = []
        for step in 0..<steps {
            if let shouldStop, shouldStop() { throw CancellationError() }
            batchRows.removeAll(keepingCapacity: true)
            for position in 0..<count where Double(sampler.next() >> 11) * 0x1p-53 < q {
                batchRows.append(rows?[position] ?? position)
            }
            batchLabels.removeAll(keepingCapacity: true)
            for row in batchRows { batchLabels.append(labels[row]) }
            if !batchRows.isEmpty { features.gatherExamples(batchRows, into: &inputs) }
            let result = uncheckedPrivateStep(
                inputs, batchLabels, configuration, expectedBatchSize, optimizer, &noise)
            lossSum += Double(result.loss) * Double(result.examples)
            epoch.steps += 1
            epoch.examples += result.examples
            epoch.clipped += result.clipped
            progress?(step + 1, steps, result.loss)
        }
        epoch.loss = epoch.examples == 0 ? 0 : lossSum / Double(epoch.examples)
        return epoch
    }
}
