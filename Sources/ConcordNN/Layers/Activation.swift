import ConcordTensor

/// An elementwise activation fused into the layer before it (as Keras's `activation=` argument),
/// applied while that layer's output is still in cache; mathematically the same as a separate layer.
public enum Activation: String, Sendable, Equatable, Codable {
    /// No activation.
    case identity
    /// max(x, 0).
    case relu

    /// Applies the activation to `output` in place.
    @inlinable
    func apply(_ count: Int, _ output: UnsafeMutablePointer<Float>) {
        if self == .relu { VectorKernels.relu(count, output, output) }
    }

    /// The gradient with respect to the pre-activation, given the activation's output and the gradient
    /// with respect to it; written into `result` (for `.identity` the input gradient is passed through).
    @inlinable
    func backward(
        _ count: Int, output: UnsafePointer<Float>, gradient: UnsafePointer<Float>,
        into result: UnsafeMutablePointer<Float>
    ) {
        switch self {
        case .identity: result.update(from: gradient, count: count)
        case .relu: VectorKernels.reluBackward(count, output: output, gradient, result)
        }
    }
}
