import ConcordTensor

/// Inverted dropout: in training, zeroes each activation with probability `rate` and scales
/// the survivors by 1/(1−rate); at evaluation, the identity.
public final class Dropout: Layer {
    /// The layer's name in its model.
    public let name: String
    /// The probability of dropping an activation, in [0, 1).
    public let rate: Float
    /// The generator that draws the masks (seeded, so training is reproducible).
    public var generator: SeededGenerator
    private var cachedMask: [Float] = []

    /// Creates a dropout layer.
    ///
    /// - Precondition: `0 <= rate < 1` (validated by the model builder for user input).
    public init(name: String = "dropout", rate: Float, generator: SeededGenerator) {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1), got \(rate)")
        self.name = name
        self.rate = rate
        self.generator = generator
    }

    /// Any shape in, the same shape out.
    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    /// Applies a fresh random mask in training; the identity otherwise.
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training, rate > 0 else { return input }
        let keep = 1 - rate, scale = 1 / keep
        cachedMask = (0..<input.count).map { _ in generator.nextUnitFloat() < keep ? scale : 0 }
        return Tensor(uninitializedShape: input.shape) { out in
            input.withUnsafeBufferPointer { x in
                for i in 0..<x.count { out[i] = x[i] * cachedMask[i] }
            }
        }
    }

    /// Applies the same mask to the gradient.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard rate > 0 else { return outputGradient }
        return Tensor(uninitializedShape: outputGradient.shape) { dx in
            outputGradient.withUnsafeBufferPointer { dy in
                for i in 0..<dy.count { dx[i] = dy[i] * cachedMask[i] }
            }
        }
    }
}
