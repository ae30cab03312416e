import ConcordTensor

/// Per-example gradients of a convolution: example i's weight gradient δᵢᵀ·im2col(xᵢ) is formed one example at a
/// time (one [outChannels, patch] scratch matrix) to measure its norm; the clipped sum is then the ordinary
/// gradient of the rescaled output gradients cᵢ·δᵢ, in cache-sized chunks as the backward pass computes it.
extension Conv2D: PerExampleGradients {
    func perExampleBackward(
        _ outputGradient: Tensor, needsInputGradient: Bool, squaredNorms: inout [Double]
    )
        -> Tensor?
    {
        guard let input = cachedInput else { preconditionFailure("\(name): backward without a training forward pass") }
        columnsHoldBatch = false
        let batch = input.shape[0]
        let g = geometry(height: input.shape[1], width: input.shape[2])
        if activation != .identity {
            perExampleDelta.prepare(shape: outputGradient.shape)
            perExampleDelta.withUnsafeMutableBufferPointer { d in
                output.withUnsafeBufferPointer { y in
                    outputGradient.withUnsafeBufferPointer { dy in
                        activation.backward(d.count, output: y.start, gradient: dy.start, into: d.start)
                    }
                }
            }
        } else {
            perExampleDelta = outputGradient
        }
        reserve(&columns, g.outputPixels * g.patchSize)
        reserve(&exampleWeightGradient, outChannels * g.patchSize)
        if needsInputGradient {
            inputGradient.prepare(shape: input.shape)
            inputGradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        let outPerImage = g.outputPixels * outChannels
        let channels = outChannels
        var biasGradient = [Float](repeating: 0, count: channels)
        input.withUnsafeBufferPointer { x in
            perExampleDelta.withUnsafeBufferPointer { d in
                weight.withUnsafeBufferPointer { w in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        columns.withUnsafeMutableBufferPointer { col in
                            exampleWeightGradient.withUnsafeMutableBufferPointer { gw in
                                biasGradient.withUnsafeMutableBufferPointer { gb in
                                    for i in 0..<batch {
                                        let delta = d.start + i * outPerImage
                                        g.im2col(x.start + i * g.imageSize, images: 1, into: col.start)
                                        GEMM.multiply(
                                            delta, col.start, into: gw.start, m: channels, n: g.patchSize,
                                            k: g.outputPixels, transposeA: true)
                                        VectorKernels.columnSums(
                                            delta, rows: g.outputPixels, columns: channels, into: gb.start)
                                        squaredNorms[i] +=
                                            VectorKernels.sumOfSquares(channels * g.patchSize, gw.start)
                                            + VectorKernels.sumOfSquares(channels, gb.start)
                                        guard needsInputGradient else { continue }
                                        GEMM.multiply(
                                            delta, w.start, into: col.start, m: g.outputPixels, n: g.patchSize,
                                            k: channels)
                                        g.col2im(col.start, images: 1, addingInto: dx.start + i * g.imageSize)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return needsInputGradient ? inputGradient : nil
    }

    func accumulateClippedGradient(factors: [Float]) {
        guard let input = cachedInput else { preconditionFailure("\(name): no per-example backward pass to clip") }
        cachedInput = nil
        let batch = input.shape[0]
        let g = geometry(height: input.shape[1], width: input.shape[2])
        let chunk = imagesPerChunk(g, batch: batch)
        reserve(&columns, chunk * g.outputPixels * g.patchSize)
        perExampleDelta.scaleExamples(by: factors)
        let outPerImage = g.outputPixels * outChannels
        input.withUnsafeBufferPointer { x in
            perExampleDelta.withUnsafeBufferPointer { d in
                weightGradient.withUnsafeMutableBufferPointer { dw in
                    biasGradient.withUnsafeMutableBufferPointer { db in
                        columns.withUnsafeMutableBufferPointer { col in
                            if batch == 0 {
                                dw.update(repeating: 0)
                                db.update(repeating: 0)
                            }
                            for first in Swift.stride(from: 0, to: batch, by: chunk) {
                                let images = min(chunk, batch - first)
                                let rows = images * g.outputPixels
                                let delta = d.start + first * outPerImage
                                g.im2col(x.start + first * g.imageSize, images: images, into: col.start)
                                GEMM.multiply(
                                    delta, col.start, into: dw.start, m: outChannels, n: g.patchSize, k: rows,
                                    transposeA: true, beta: first == 0 ? 0 : 1)
                                VectorKernels.columnSums(
                                    delta, rows: rows, columns: outChannels, into: db.start, accumulate: first != 0)
                            }
                        }
                    }
                }
            }
        }
    }
}
