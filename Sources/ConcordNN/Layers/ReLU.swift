import ConcordTensor

/// The rectified linear unit, max(x, 0), elementwise.
public final class ReLU: Layer {
    /// The layer's name in its model.
    public let name: String
    private var output = Tensor.empty
    private var inputGradient = Tensor.empty
    private var hasForward = false

    /// Creates a ReLU layer.
    public init(name: String = "relu") { self.name = name }

    /// Any shape in, the same shape out.
    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    /// max(x, 0).
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        output.prepare(shape: input.shape)
        output.withUnsafeMutableBufferPointer { y in
            input.withUnsafeBufferPointer { x in
                VectorKernels.relu(x.count, x.start, y.start)
            }
        }
        hasForward = training
        return output
    }

    /// Passes the gradient where the output was positive.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        precondition(hasForward, "\(name): backward without a training forward pass")
        hasForward = false
        guard needsInputGradient else { return nil }
        inputGradient.prepare(shape: outputGradient.shape)
        inputGradient.withUnsafeMutableBufferPointer { dx in
            outputGradient.withUnsafeBufferPointer { dy in
                output.withUnsafeBufferPointer { y in
                    VectorKernels.reluBackward(dy.count, output: y.start, dy.start, dx.start)
                }
            }
        }
        return inputGradient
    }
}
