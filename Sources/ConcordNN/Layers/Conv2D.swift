import ConcordTensor

/// A 2-D convolution over NHWC images with an optional fused ``Activation``, computed as im2col + GEMM
/// in cache-sized chunks of images.
///
/// Weights are stored [outChannels, kernelHeight, kernelWidth, inChannels], bias [outChannels].
public final class Conv2D: Layer {
    /// How the input is padded.
    public enum Padding: Sendable, Equatable {
        /// No padding: the window stays inside the image.
        case valid
        /// Zero padding so that the output has ⌈input/stride⌉ pixels per side (TensorFlow's "same").
        case same
        /// Explicit zero rows/columns on each side.
        case explicit(Int)
    }

    /// The layer's name in its model.
    public let name: String
    /// Input and output channels.
    public let inChannels: Int, outChannels: Int
    /// Window height and width.
    public let kernelSize: Int
    /// Step between windows.
    public let stride: Int
    /// Padding mode.
    public let padding: Padding
    /// Weights, [outChannels, kernelSize, kernelSize, inChannels].
    public var weight: Tensor
    /// Bias, [outChannels].
    public var bias: Tensor
    /// The activation applied to the output.
    public let activation: Activation
    var weightGradient: Tensor
    var biasGradient: Tensor
    var cachedInput: Tensor?
    var output = Tensor.empty
    var inputGradient = Tensor.empty
    /// im2col rows (one chunk of images, or the whole batch when it is small), then gradient scratch.
    var columns: [Float] = []
    /// Whether `columns` still holds the whole batch's im2col from the training forward pass.
    var columnsHoldBatch = false
    /// The activation gradient of one chunk.
    var chunkGradient: [Float] = []
    /// The per-example output gradients (before the activation) a per-example backward pass keeps for clipping.
    var perExampleDelta = Tensor.empty
    /// One example's weight gradient, [outChannels, patch], formed to measure its norm.
    var exampleWeightGradient: [Float] = []
    /// Bytes of im2col rows formed at once: small enough to stay in the core's L2 cache.
    var chunkBytes = 1 << 20
    /// A batch whose whole im2col fits in this many bytes is formed once and reused by the backward pass.
    var wholeBatchBytes = 4 << 20

    /// Creates a convolution initialised like PyTorch's `Conv2d`.
    public init(
        name: String, inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1,
        padding: Padding = .valid, activation: Activation = .identity, generator: inout SeededGenerator
    ) {
        self.name = name
        self.activation = activation
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        let fanIn = inChannels * kernelSize * kernelSize
        weight = Initialization.uniformFanIn(
            shape: [outChannels, kernelSize, kernelSize, inChannels], fanIn: fanIn, using: &generator)
        bias = Initialization.uniformFanIn(shape: [outChannels], fanIn: fanIn, using: &generator)
        weightGradient = .zeros(weight.shape)
        biasGradient = .zeros(bias.shape)
    }

    /// The convolution geometry for one input image of `height`×`width`.
    public func geometry(height: Int, width: Int) -> ConvolutionGeometry {
        let (oh, ow, top, left): (Int, Int, Int, Int)
        switch padding {
        case .valid:
            (oh, ow, top, left) = ((height - kernelSize) / stride + 1, (width - kernelSize) / stride + 1, 0, 0)
        case .explicit(let p):
            (oh, ow, top, left) = (
                (height + 2 * p - kernelSize) / stride + 1, (width + 2 * p - kernelSize) / stride + 1, p, p
            )
        case .same:
            let outH = (height + stride - 1) / stride, outW = (width + stride - 1) / stride
            let padH = max(0, (outH - 1) * stride + kernelSize - height)
            let padW = max(0, (outW - 1) * stride + kernelSize - width)
            (oh, ow, top, left) = (outH, outW, padH / 2, padW / 2)
        }
        return ConvolutionGeometry(
            height: height, width: width, channels: inChannels, kernelHeight: kernelSize,
            kernelWidth: kernelSize, strideHeight: stride, strideWidth: stride,
            padTop: top, padLeft: left, outputHeight: oh, outputWidth: ow)
    }

    /// `[h, w, inChannels]` in, `[outH, outW, outChannels]` out.
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 3, inputShape[2] == inChannels else {
            throw ModelError.incompatibleShape(layer: name, expected: "[height, width, \(inChannels)]", got: inputShape)
        }
        let g = geometry(height: inputShape[0], width: inputShape[1])
        guard g.outputHeight > 0, g.outputWidth > 0 else {
            throw ModelError.incompatibleShape(
                layer: name, expected: "an image at least as large as the \(kernelSize)×\(kernelSize) kernel",
                got: inputShape)
        }
        return [g.outputHeight, g.outputWidth, outChannels]
    }

    /// Images per chunk: the whole batch when its im2col is small, else what fits the cache budget.
    func imagesPerChunk(_ g: ConvolutionGeometry, batch: Int) -> Int {
        let bytesPerImage = max(1, g.outputPixels * g.patchSize * MemoryLayout<Float>.size)
        if batch * bytesPerImage <= wholeBatchBytes { return max(1, batch) }
        return max(1, min(batch, chunkBytes / bytesPerImage))
    }

    func reserve(_ buffer: inout [Float], _ count: Int) {
        if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
    }

    /// Convolves a [batch, h, w, inChannels] input.
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let batch = input.shape[0]
        let g = geometry(height: input.shape[1], width: input.shape[2])
        if training { cachedInput = input }
        let chunk = imagesPerChunk(g, batch: batch)
        reserve(&columns, chunk * g.outputPixels * g.patchSize)
        columnsHoldBatch = training && chunk == batch
        let outPerImage = g.outputPixels * outChannels
        output.prepare(shape: [batch, g.outputHeight, g.outputWidth, outChannels])
        output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        columns.withUnsafeMutableBufferPointer { col in
                            for first in Swift.stride(from: 0, to: batch, by: chunk) {
                                let images = min(chunk, batch - first)
                                let rows = images * g.outputPixels
                                let y = out.start + first * outPerImage
                                g.im2col(x.start + first * g.imageSize, images: images, into: col.start)
                                VectorKernels.broadcastRows(b.start, columns: outChannels, rows: rows, into: y)
                                GEMM.multiply(
                                    col.start, w.start, into: y, m: rows, n: outChannels, k: g.patchSize,
                                    transposeB: true, beta: 1)
                                activation.apply(rows * outChannels, y)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// With g = dy ⊙ f′ per chunk: dW = Σ gᵀ · im2col(x), db = Σ g, dx = col2im(g · W).
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let input = cachedInput else { preconditionFailure("\(name): backward without a training forward pass") }
        cachedInput = nil
        let batch = input.shape[0]
        let g = geometry(height: input.shape[1], width: input.shape[2])
        let chunk = imagesPerChunk(g, batch: batch)
        let reuseColumns = columnsHoldBatch && chunk == batch
        columnsHoldBatch = false
        reserve(&columns, chunk * g.outputPixels * g.patchSize)
        let outPerImage = g.outputPixels * outChannels
        if activation != .identity { reserve(&chunkGradient, chunk * outPerImage) }
        if needsInputGradient {
            inputGradient.prepare(shape: input.shape)
            inputGradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        input.withUnsafeBufferPointer { x in
            outputGradient.withUnsafeBufferPointer { dy in
                output.withUnsafeBufferPointer { y in
                    weight.withUnsafeBufferPointer { w in
                        weightGradient.withUnsafeMutableBufferPointer { dw in
                            biasGradient.withUnsafeMutableBufferPointer { db in
                                inputGradient.withUnsafeMutableBufferPointer { dx in
                                    columns.withUnsafeMutableBufferPointer { col in
                                        chunkGradient.withUnsafeMutableBufferPointer { scratch in
                                            for first in Swift.stride(from: 0, to: batch, by: chunk) {
                                                let images = min(chunk, batch - first)
                                                let rows = images * g.outputPixels
                                                var gradient = dy.start + first * outPerImage
                                                if activation != .identity {
                                                    activation.backward(
                                                        rows * outChannels, output: y.start + first * outPerImage,
                                                        gradient: gradient, into: scratch.start)
                                                    gradient = UnsafePointer(scratch.start)
                                                }
                                                if !reuseColumns {
                                                    g.im2col(
                                                        x.start + first * g.imageSize, images: images, into: col.start)
                                                }
                                                GEMM.multiply(
                                                    gradient, col.start, into: dw.start, m: outChannels,
                                                    n: g.patchSize, k: rows, transposeA: true, beta: first == 0 ? 0 : 1)
                                                VectorKernels.columnSums(
                                                    gradient, rows: rows, columns: outChannels,
                                                    into: db.start, accumulate: first != 0)
                                                guard needsInputGradient else { continue }
                                                GEMM.multiply(
                                                    gradient, w.start, into: col.start,
                                                    m: rows, n: g.patchSize, k: outChannels)
                                                g.col2im(
                                                    col.start, images: images,
                                                    addingInto: dx.start + first * g.imageSize)
                                            }
                                        }
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

    /// "weight", "bias".
    public var parameterNames: [String] { ["weight", "bias"] }

    /// Visits the weight and bias with their gradients.
    public func updateParameters(_ body: (Int, inout Tensor, inout Tensor) -> Void) {
        body(0, &weight, &weightGradient)
        body(1, &bias, &biasGradient)
    }
}
