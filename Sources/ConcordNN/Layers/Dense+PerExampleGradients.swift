import ConcordTensor

/// Per-example gradients of a dense layer without forming them: example i's weight gradient is the outer
/// product δᵢ ⊗ aᵢ, so ‖gᵢ‖² = ‖aᵢ‖²·‖δᵢ‖² + ‖δᵢ‖² (the bias's), and the clipped sum is one GEMM,
/// Δᵀ·diag(c)·A (Goodfellow 2015, "Efficient Per-Example Gradient Computations").
extension Dense: PerExampleGradients {
    func perExampleBackward(
        _ outputGradient: Tensor, needsInputGradient: Bool, squaredNorms: inout [Double]
    )
        -> Tensor?
    {
        guard let input = cachedInput else { preconditionFailure("\(name): backward without a training forward pass") }
        let batch = outputGradient.shape[0]
        if activation != .identity {
            perExampleDelta.prepare(shape: outputGradient.shape)
            perExampleDelta.withUnsafeMutableBufferPointer { g in
                output.withUnsafeBufferPointer { y in
                    outputGradient.withUnsafeBufferPointer { dy in
                        activation.backward(g.count, output: y.start, gradient: dy.start, into: g.start)
                    }
                }
            }
        } else {
            perExampleDelta = outputGradient
        }
        let inputs = inputSize, outputs = outputSize
        input.withUnsafeBufferPointer { x in
            perExampleDelta.withUnsafeBufferPointer { d in
                for i in 0..<batch {
                    let a = VectorKernels.sumOfSquares(inputs, x.start + i * inputs)
                    let g = VectorKernels.sumOfSquares(outputs, d.start + i * outputs)
                    squaredNorms[i] += a * g + g
                }
            }
        }
        guard needsInputGradient else { return nil }
        inputGradient.prepare(shape: [batch, inputSize])
        inputGradient.withUnsafeMutableBufferPointer { dx in
            perExampleDelta.withUnsafeBufferPointer { d in
                weight.withUnsafeBufferPointer { w in
                    GEMM.multiply(d.start, w.start, into: dx.start, m: batch, n: inputs, k: outputs)
                }
            }
        }
        return inputGradient
    }

    func accumulateClippedGradient(factors: [Float]) {
        guard let input = cachedInput else { preconditionFailure("\(name): no per-example backward pass to clip") }
        cachedInput = nil
        let batch = factors.count
        perExampleDelta.scaleExamples(by: factors)
        perExampleDelta.withUnsafeBufferPointer { d in
            input.withUnsafeBufferPointer { x in
                weightGradient.withUnsafeMutableBufferPointer { dw in
                    GEMM.multiply(
                        d.start, x.start, into: dw.start, m: outputSize, n: inputSize, k: batch, transposeA: true)
                }
            }
            biasGradient.withUnsafeMutableBufferPointer { db in
                VectorKernels.columnSums(d.start, rows: batch, columns: outputSize, into: db.start)
            }
        }
    }
}
