/// ConcordNN: layers with explicit forward and backward passes, losses, optimisers,
/// the FedAvg paper's model zoo and safetensors I/O. Activations are NHWC.
import ConcordTensor

/// One step of a network, with its own forward and backward pass.
///
/// A layer caches what its backward pass needs during a training forward pass, so calls
/// alternate: `forward(x, training: true)` then `backward(dy)`. Layers are classes that
/// own their parameters and gradients; one model instance serves one thread at a time.
public protocol Layer: AnyObject {
    /// The stable name of this layer inside its model ("fc1", "conv2"); parameter names derive from it.
    var name: String { get }

    /// The shape of one output example for one input example of `inputShape` (batch dimension excluded).
    ///
    /// - Throws: ``ModelError/incompatibleShape(layer:expected:got:)`` when the layer cannot take that input.
    func outputShape(for inputShape: [Int]) throws -> [Int]

    /// Computes the output for a batch (`[batch] + example shape`).
    func forward(_ input: Tensor, training: Bool) -> Tensor

    /// Given the loss gradient with respect to the last training forward pass's output, accumulates
    /// parameter gradients (overwriting the previous step's) and returns the gradient with respect
    /// to the input, or nil when `needsInputGradient` is false.
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor?

    /// Like ``backward(_:needsInputGradient:)``, then the plain SGD update w ← w − η·∂L/∂w applied to this
    /// layer's parameters; the input gradient is computed with the parameters as they were.
    ///
    /// Layers may fuse the update into the gradient computation (``Dense`` does: one GEMM with β = 1,
    /// no gradient written, no separate pass); their gradient buffers are then not filled.
    func backwardApplyingSGD(_ outputGradient: Tensor, needsInputGradient: Bool, learningRate: Float) -> Tensor?

    /// This layer's parameters in a fixed order, each with its local name ("weight", "bias").
    var parameterNames: [String] { get }

    /// Calls `body` once per parameter, in ``parameterNames`` order, with the parameter and its gradient.
    func updateParameters(_ body: (_ index: Int, _ parameter: inout Tensor, _ gradient: inout Tensor) -> Void)
}

extension Layer {
    /// The backward pass, then w ← w − η·g for every parameter.
    public func backwardApplyingSGD(_ outputGradient: Tensor, needsInputGradient: Bool, learningRate: Float) -> Tensor?
    {
        let inputGradient = backward(outputGradient, needsInputGradient: needsInputGradient)
        updateParameters { _, parameter, gradient in
            parameter.withUnsafeMutableBufferPointer { w in
                gradient.withUnsafeBufferPointer { g in
                    VectorKernels.axpy(w.count, alpha: -learningRate, g.start, w.start)
                }
            }
        }
        return inputGradient
    }

    /// Layers without parameters have none.
    public var parameterNames: [String] { [] }

    /// Layers without parameters visit none.
    public func updateParameters(_ body: (_ index: Int, _ parameter: inout Tensor, _ gradient: inout Tensor) -> Void) {}
}
