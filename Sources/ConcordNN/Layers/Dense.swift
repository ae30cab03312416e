import ConcordTensor

/// A fully connected layer: y = f(x · Wᵀ + b), with W stored [outputs, inputs] as in PyTorch's `Linear`
/// and f an optional fused ``Activation``.
public final class Dense: Layer {
    /// The layer's name in its model.
    public let name: String
    /// Input features per example.
    public let inputSize: Int
    /// Output features per example.
    public let outputSize: Int
    /// Weights, [outputs, inputs].
    public var weight: Tensor
    /// Bias, [outputs].
    public var bias: Tensor
    /// The activation applied to the output.
    public let activation: Activation
    var weightGradient: Tensor
    var biasGradient: Tensor
    var cachedInput: Tensor?
    var output = Tensor.empty
    var inputGradient = Tensor.empty
    var preActivationGradient = Tensor.empty
    /// The per-example output gradients (before the activation) a per-example backward pass keeps for clipping.
    var perExampleDelta = Tensor.empty

    /// Creates a dense layer initialised like PyTorch's `Linear`.
    public init(
        name: String, inputSize: Int, outputSize: Int, activation: Activation = .identity,
        generator: inout SeededGenerator
    ) {
        self.name = name
        self.activation = activation
        self.inputSize = inputSize
        self.outputSize = outputSize
        weight = Initialization.uniformFanIn(shape: [outputSize, inputSize], fanIn: inputSize, using: &generator)
        bias = Initialization.uniformFanIn(shape: [outputSize], fanIn: inputSize, using: &generator)
        weightGradient = .zeros([outputSize, inputSize])
        biasGradient = .zeros([outputSize])
    }

    /// `[inputs]` in, `[outputs]` out.
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape == [inputSize] else {
            throw ModelError.incompatibleShape(layer: name, expected: "[\(inputSize)]", got: inputShape)
        }
        return [outputSize]
    }

    /// y = f(x · Wᵀ + b) for a [batch, inputs] input.
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let batch = input.shape[0]
        precondition(input.count == batch * inputSize, "\(name): input \(input.shape) is not [batch, \(inputSize)]")
        if training { cachedInput = input }
        output.prepare(shape: [batch, outputSize])
        output.withUnsafeMutableBufferPointer { y in
            bias.withUnsafeBufferPointer { b in
                VectorKernels.broadcastRows(b.start, columns: outputSize, rows: batch, into: y.start)
            }
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    GEMM.multiply(
                        x.start, w.start, into: y.start, m: batch, n: outputSize, k: inputSize,
                        transposeB: true, beta: 1)
                }
            }
            activation.apply(y.count, y.start)
        }
        return output
    }

    /// With g = dy ⊙ f′: dW = gᵀ · x, db = Σ g, dx = g · W.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        backward(outputGradient, needsInputGradient: needsInputGradient, sgdLearningRate: nil)
    }

    /// dx = g · W with the weights as they were, then W ← W − η·gᵀ·x in one GEMM (β = 1) and b ← b − η·Σ g:
    /// no gradient is written and no separate update pass runs.
    public func backwardApplyingSGD(_ outputGradient: Tensor, needsInputGradient: Bool, learningRate: Float) -> Tensor?
    {
        backward(outputGradient, needsInputGradient: needsInputGradient, sgdLearningRate: learningRate)
    }

    private func backward(_ outputGradient: Tensor, needsInputGradient: Bool, sgdLearningRate: Float?) -> Tensor? {
        guard let input = cachedInput else { preconditionFailure("\(name): backward without a training forward pass") }
        cachedInput = nil
        let batch = outputGradient.shape[0]
        var outputGradient = outputGradient
        if activation != .identity {
            preActivationGradient.prepare(shape: outputGradient.shape)
            preActivationGradient.withUnsafeMutableBufferPointer { g in
                output.withUnsafeBufferPointer { y in
                    outputGradient.withUnsafeBufferPointer { dy in
                        activation.backward(g.count, output: y.start, gradient: dy.start, into: g.start)
                    }
                }
            }
            outputGradient = preActivationGradient
        }
        if needsInputGradient {
            inputGradient.prepare(shape: [batch, inputSize])
            inputGradient.withUnsafeMutableBufferPointer { dx in
                outputGradient.withUnsafeBufferPointer { dy in
                    weight.withUnsafeBufferPointer { w in
                        GEMM.multiply(dy.start, w.start, into: dx.start, m: batch, n: inputSize, k: outputSize)
                    }
                }
            }
        }
        outputGradient.withUnsafeBufferPointer { dy in
            input.withUnsafeBufferPointer { x in
                if let lr = sgdLearningRate {
                    weight.withUnsafeMutableBufferPointer { w in
                        GEMM.multiply(
                            dy.start, x.start, into: w.start, m: outputSize, n: inputSize, k: batch,
                            transposeA: true, alpha: -lr, beta: 1)
                    }
                } else {
                    weightGradient.withUnsafeMutableBufferPointer { dw in
                        GEMM.multiply(
                            dy.start, x.start, into: dw.start, m: outputSize, n: inputSize, k: batch,
                            transposeA: true)
                    }
                }
            }
            biasGradient.withUnsafeMutableBufferPointer { db in
                VectorKernels.columnSums(dy.start, rows: batch, columns: outputSize, into: db.start)
            }
            if let lr = sgdLearningRate {
                bias.withUnsafeMutableBufferPointer { b in
                    biasGradient.withUnsafeBufferPointer { db in
                        VectorKernels.axpy(b.count, alpha: -lr, db.start, b.start)
                    }
                }
            }
        }
        return needsInputGradient ? inputGradient : nil
    }

    /// "weight", "bias".
    public var parameterNames: [String] { ["weight", "bias"] }

    /// Visits the weight and bias with their gradients.
    public func updateParameters(_ body: (Int, inout Tensor, inout Tensor) -> Void) {
        body(0, &weight, &weightGradient)
        body(1, &bias, &biasGradient)
    }
}
