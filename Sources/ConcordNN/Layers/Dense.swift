import ConcordTensor

/// A fully connected layer: y = x · Wᵀ + b, with W stored [outputs, inputs] as in PyTorch's `Linear`.
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
    private var weightGradient: Tensor
    private var biasGradient: Tensor
    private var cachedInput: Tensor?

    /// Creates a dense layer initialised like PyTorch's `Linear`.
    public init(name: String, inputSize: Int, outputSize: Int, generator: inout SeededGenerator) {
        self.name = name
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

    /// y = x · Wᵀ + b for a [batch, inputs] input.
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let batch = input.shape[0]
        precondition(input.count == batch * inputSize, "\(name): input \(input.shape) is not [batch, \(inputSize)]")
        if training { cachedInput = input }
        return Tensor(uninitializedShape: [batch, outputSize]) { out in
            let y = out.start
            bias.withUnsafeBufferPointer { b in
                VectorKernels.broadcastRows(b.start, columns: outputSize, rows: batch, into: y)
            }
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    GEMM.multiply(x.start, w.start, into: y, m: batch, n: outputSize, k: inputSize, transposeB: true, beta: 1)
                }
            }
        }
    }

    /// dW = dyᵀ · x, db = Σ dy, dx = dy · W.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let input = cachedInput else { preconditionFailure("\(name): backward without a training forward pass") }
        let batch = outputGradient.shape[0]
        outputGradient.withUnsafeBufferPointer { dy in
            let dyBase = dy.start
            input.withUnsafeBufferPointer { x in
                weightGradient.withUnsafeMutableBufferPointer { dw in
                    GEMM.multiply(dyBase, x.start, into: dw.start, m: outputSize, n: inputSize, k: batch, transposeA: true)
                }
            }
            biasGradient.withUnsafeMutableBufferPointer { db in
                VectorKernels.columnSums(dyBase, rows: batch, columns: outputSize, into: db.start)
            }
        }
        cachedInput = nil
        guard needsInputGradient else { return nil }
        return Tensor(uninitializedShape: [batch, inputSize]) { out in
            outputGradient.withUnsafeBufferPointer { dy in
                weight.withUnsafeBufferPointer { w in
                    GEMM.multiply(dy.start, w.start, into: out.start, m: batch, n: inputSize, k: outputSize)
                }
            }
        }
    }

    /// "weight", "bias".
    public var parameterNames: [String] { ["weight", "bias"] }

    /// Visits the weight and bias with their gradients.
    public func updateParameters(_ body: (Int, inout Tensor, inout Tensor) -> Void) {
        body(0, &weight, &weightGradient)
        body(1, &bias, &biasGradient)
    }
}
