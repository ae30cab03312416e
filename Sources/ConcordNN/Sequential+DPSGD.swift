import ConcordTensor

/// What one DP-SGD step did.
public struct DPSGDStep: Sendable, Equatable {
    /// The mean loss of the sampled examples before the step (0 when none was sampled).
    public var loss: Float
    /// The examples sampled into the step.
    public var examples: Int
    /// How many of them had a gradient longer than the clip norm (and were scaled down).
    public var clipped: Int
}

/// What one DP-SGD epoch did.
public struct DPSGDEpoch: Sendable, Equatable {
    /// The mean loss over every sampled example of the epoch (0 when none was sampled).
    public var loss: Double
    /// The steps taken: round(1/q), each releasing a noised gradient.
    public var steps: Int
    /// The examples sampled over all steps (about q·n per step).
    public var examples: Int
    /// How many of them were clipped.
    public var clipped: Int
}

/// The clipped sum of one batch's per-example gradients, left in the layers' gradient buffers.
public struct ClippedGradientSum: Sendable, Equatable {
    /// The batch's mean loss.
    public var loss: Float
    /// Each example's gradient norm ‖gᵢ‖ over all parameters, before clipping.
    public var norms: [Double]
    /// How many norms exceeded the clip norm.
    public var clipped: Int
}

extension Sequential {
    /// Checks that every layer with parameters can give per-example gradients (Dense and Conv2D can).
    ///
    /// - Throws: ``DPSGDError/unsupportedLayer(_:)`` naming the first that cannot.
    public func checkPerExampleGradients() throws(DPSGDError) {
        for layer in layers where !(layer is any PerExampleGradients) && !layer.parameterNames.isEmpty {
            throw .unsupportedLayer(layer.name)
        }
    }

    /// Forward and backward on a batch with per-example gradients: each example's gradient gᵢ of its own loss is
    /// measured and clipped, cᵢ = min(1, C/‖gᵢ‖), and Σᵢ cᵢ·gᵢ is left in the layers' gradient buffers (read them
    /// with ``forEachParameter(_:)``). No gradient is formed whole for a dense layer.
    ///
    /// - Throws: ``ModelError`` when the batch does not fit the model; ``DPSGDError`` for a clip norm that is not
    ///   positive or a layer without per-example gradients.
    public func clippedGradientSum(inputs: Tensor, labels: [Int32], clipNorm: Double) throws -> ClippedGradientSum {
        try checkInput(inputs)
        try checkLabels(labels, batch: inputs.shape[0])
        try checkPerExampleGradients()
        guard clipNorm > 0, !clipNorm.isNaN else {
            throw DPSGDError.invalidConfiguration("the per-record clip norm must be positive, got \(clipNorm)")
        }
        return uncheckedClippedSum(inputs, labels, clipNorm: clipNorm)
    }

    func uncheckedClippedSum(_ inputs: Tensor, _ labels: [Int32], clipNorm: Double) -> ClippedGradientSum {
        let batch = labels.count
        guard batch > 0 else {
            forEachParameter { _, _, gradient in gradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
            return ClippedGradientSum(loss: 0, norms: [], clipped: 0)
        }
        let logits = forwardUnchecked(inputs, training: true)
        let (loss, meanGradient) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels)
        var gradient = meanGradient
        // Row i becomes the gradient of example i's own loss, not of the batch mean.
        gradient.withUnsafeMutableBufferPointer { VectorKernels.scale($0.count, alpha: Float(batch), $0.start) }
        var squaredNorms = [Double](repeating: 0, count: batch)
        var next: Tensor? = gradient
        for (position, layer) in layers.enumerated().reversed() {
            guard let current = next else { break }
            if let measured = layer as? any PerExampleGradients {
                next = measured.perExampleBackward(
                    current, needsInputGradient: position > 0, squaredNorms: &squaredNorms)
            } else {
                next = layer.backward(current, needsInputGradient: position > 0)
            }
        }
        let norms = squaredNorms.map { $0.squareRoot() }
        var clipped = 0
        let factors = norms.map { norm -> Float in
            // A non-finite norm would carry an unbounded contribution: that example is dropped.
            guard norm.isFinite else {
                clipped += 1
                return 0
            }
            guard norm > clipNorm else { return 1 }
            clipped += 1
            return Float(clipNorm / norm)
        }
        for case let measured as any PerExampleGradients in layers {
            measured.accumulateClippedGradient(factors: factors)
        }
        return ClippedGradientSum(loss: loss, norms: norms, clipped: clipped)
    }

    /// One DP-SGD step on a sampled batch: the clipped sum of its per-example gradients, plus N(0, σ²C²) noise on
    /// every coordinate, divided by the expected batch size, handed to the optimiser. An empty batch still steps
    /// on the noise alone, as the accounting assumes.
    ///
    /// - Parameters:
    ///   - configuration: C and σ (its sampling rate is the caller's to apply).
    ///   - expectedBatchSize: the denominator, q·n for Poisson sampling of n records (not the batch's own size,
    ///     which depends on who was sampled).
    ///   - noise: the noise source; a cryptographically secure one outside tests.
    /// - Throws: ``ModelError`` when the batch does not fit the model; ``DPSGDError`` for settings out of range.
    @discardableResult
    public func privateStep<Noise: GradientNoise>(
        inputs: Tensor, labels: [Int32], configuration: DPSGDConfiguration, expectedBatchSize: Double,
        optimizer: any Optimizer, noise: inout Noise
    ) throws -> DPSGDStep {
        try configuration.validate()
        guard expectedBatchSize > 0, expectedBatchSize.isFinite else {
            throw DPSGDError.invalidConfiguration("the expected batch size must be positive, got \(expectedBatchSize)")
        }
        if !labels.isEmpty {
            try checkInput(inputs)
            try checkLabels(labels, batch: inputs.shape[0])
        }
        try checkPerExampleGradients()
        return uncheckedPrivateStep(inputs, labels, configuration, expectedBatchSize, optimizer, &noise)
    }

    func uncheckedPrivateStep<Noise: GradientNoise>(
        _ inputs: Tensor, _ labels: [Int32], _ configuration: DPSGDConfiguration, _ expectedBatchSize: Double,
        _ optimizer: any Optimizer, _ noise: inout Noise
    ) -> DPSGDStep {
        let sum = uncheckedClippedSum(inputs, labels, clipNorm: configuration.clipNorm)
        let standardDeviation = configuration.noiseMultiplier * configuration.clipNorm
        let scale = Float(1 / expectedBatchSize)
        forEachParameter { _, _, gradient in
            gradient.withUnsafeMutableBufferPointer { g in
                noise.add(standardDeviation: standardDeviation, to: g)
                VectorKernels.scale(g.count, alpha: scale, g.start)
            }
        }
        optimizer.step(self)
        return DPSGDStep(loss: sum.loss, examples: labels.count, clipped: sum.clipped)
    }
}
