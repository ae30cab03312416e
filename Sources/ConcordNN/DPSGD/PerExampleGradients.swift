import ConcordTensor

/// A layer with parameters that can measure each example's gradient and sum the clipped ones, for DP-SGD.
///
/// Calls alternate: a training forward pass, ``perExampleBackward(_:needsInputGradient:squaredNorms:)`` (which
/// adds each example's squared gradient norm over this layer's parameters), then
/// ``accumulateClippedGradient(factors:)``, which leaves Σᵢ cᵢ·gᵢ in the layer's gradient buffers.
protocol PerExampleGradients: Layer {
    /// Back-propagates the per-example output gradients (each row the gradient of that example's own loss),
    /// adds ‖gᵢ‖² of this layer's parameters to `squaredNorms[i]`, keeps what the clipped sum needs and returns
    /// the input gradient (nil when `needsInputGradient` is false).
    func perExampleBackward(
        _ outputGradient: Tensor, needsInputGradient: Bool, squaredNorms: inout [Double]
    )
        -> Tensor?

    /// Writes Σᵢ cᵢ·gᵢ into the gradient buffers, from what the last per-example backward pass kept.
    func accumulateClippedGradient(factors: [Float])
}

extension Tensor {
    /// Multiplies each of the leading dimension's slices by its own factor.
    mutating func scaleExamples(by factors: [Float]) {
        let batch = factors.count
        guard batch > 0 else { return }
        let perExample = count / batch
        withUnsafeMutableBufferPointer { v in
            for i in 0..<batch where factors[i] != 1 {
                VectorKernels.scale(perExample, alpha: factors[i], v.start + i * perExample)
            }
        }
    }
}
