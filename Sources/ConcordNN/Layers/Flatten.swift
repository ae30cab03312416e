import ConcordTensor

/// Flattens each example to one dimension (in NHWC order: height, width, channels).
public final class Flatten: Layer {
    /// The layer's name in its model.
    public let name: String
    private var cachedShape: [Int] = []

    /// Creates a flatten layer.
    public init(name: String = "flatten") { self.name = name }

    /// `[d1, d2, …]` in, `[d1·d2·…]` out.
    public func outputShape(for inputShape: [Int]) throws -> [Int] { [Tensor.elementCount(inputShape)] }

    /// Reshapes to [batch, features] without copying.
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        if training { cachedShape = input.shape }
        let batch = input.shape.first ?? 1
        return input.reshaped([batch, batch == 0 ? 0 : input.count / batch])
    }

    /// Reshapes the gradient back to the input's shape.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        needsInputGradient ? outputGradient.reshaped(cachedShape) : nil
    }
}
