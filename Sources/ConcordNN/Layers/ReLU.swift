import ConcordTensor

/// The rectified linear unit, max(x, 0), elementwise.
public final class ReLU: Layer {
    /// The layer's name in its model.
    public let name: String
    private var cachedOutput: Tensor?

    /// Creates a ReLU layer.
    public init(name: String = "relu") { self.name = name }

    /// Any shape in, the same shape out.
    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    /// max(x, 0).
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let output = Tensor(uninitializedShape: input.shape) { out in
            input.withUnsafeBufferPointer { x in
                for i in 0..<x.count { out[i] = max(x[i], 0) }
            }
        }
        if training { cachedOutput = output }
        return output
    }

    /// Passes the gradient where the output was positive.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let output = cachedOutput else { preconditionFailure("\(name): backward without a training forward pass") }
        cachedOutput = nil
        guard needsInputGradient else { return nil }
        return Tensor(uninitializedShape: outputGradient.shape) { dx in
            outputGradient.withUnsafeBufferPointer { dy in
                output.withUnsafeBufferPointer { y in
                    for i in 0..<dy.count { dx[i] = y[i] > 0 ? dy[i] : 0 }
                }
            }
        }
    }
}
