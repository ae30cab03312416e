import ConcordTensor

/// A 2-D convolution over NHWC images, computed as im2col + GEMM in cache-sized chunks of images.
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
    private var weightGradient: Tensor
    private var biasGradient: Tensor
    private var cachedInput: Tensor?
    private var workspace: [Float] = []
    /// Bytes of im2col rows formed at once: small enough to stay in the core's L2 cache.
    private let chunkBytes = 1 << 20

    /// Creates a convolution initialised like PyTorch's `Conv2d`.
    public init(name: String, inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1,
                padding: Padding = .valid, generator: inout SeededGenerator) {
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        let fanIn = inChannels * kernelSize * kernelSize
        weight = Initialization.uniformFanIn(shape: [outChannels, kernelSize, kernelSize, inChannels], fanIn: fanIn, using: &generator)
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
            (oh, ow, top, left) = ((height + 2 * p - kernelSize) / stride + 1, (width + 2 * p - kernelSize) / stride + 1, p, p)
        case .same:
            let outH = (height + stride - 1) / stride, outW = (width + stride - 1) / stride
            let padH = max(0, (outH - 1) * stride + kernelSize - height)
            let padW = max(0, (outW - 1) * stride + kernelSize - width)
            (oh, ow, top, left) = (outH, outW, padH / 2, padW / 2)
        }
        return ConvolutionGeometry(height: height, width: width, channels: inChannels, kernelHeight: kernelSize,
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
            throw ModelError.incompatibleShape(layer: name, expected: "an image at least as large as the \(kernelSize)×\(kernelSize) kernel", got: inputShape)
        }
        return [g.outputHeight, g.outputWidth, outChannels]
    }

    /// Images per chunk and the workspace they need.
    private func chunking(_ g: ConvolutionGeometry, batch: Int) -> (images: Int, scalars: Int) {
        let perImage = g.outputPixels * g.patchSize
        let images = max(1, min(batch, chunkBytes / max(1, perImage * 4)))
        return (images, images * perImage)
    }

    private func ensureWorkspace(_ scalars: Int) {
        if workspace.count < scalars { workspace = [Float](repeating: 0, count: scalars) }
    }

    /// Convolves a [batch, h, w, inChannels] input.
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let batch = input.shape[0]
        let g = geometry(height: input.shape[1], width: input.shape[2])
        if training { cachedInput = input }
        let (chunk, scalars) = chunking(g, batch: batch)
        ensureWorkspace(scalars)
        let outPerImage = g.outputPixels * outChannels
        return Tensor(uninitializedShape: [batch, g.outputHeight, g.outputWidth, outChannels]) { out in
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        workspace.withUnsafeMutableBufferPointer { col in
                            var first = 0
                            while first < batch {
                                let images = min(chunk, batch - first)
                                let rows = images * g.outputPixels
                                g.im2col(x.start + first * g.imageSize, images: images, into: col.start)
                                let y = out.start + first * outPerImage
                                VectorKernels.broadcastRows(b.start, columns: outChannels, rows: rows, into: y)
                                GEMM.multiply(col.start, w.start, into: y, m: rows, n: outChannels, k: g.patchSize, transposeB: true, beta: 1)
                                first += images
                            }
                        }
                    }
                }
            }
        }
    }

    /// dW = Σ dyᵀ · im2col(x), db = Σ dy, dx = col2im(dy · W), chunk by chunk.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let input = cachedInput else { preconditionFailure("\(name): backward without a training forward pass") }
        cachedInput = nil
        let batch = input.shape[0]
        let g = geometry(height: input.shape[1], width: input.shape[2])
        let (chunk, scalars) = chunking(g, batch: batch)
        ensureWorkspace(scalars)
        let outPerImage = g.outputPixels * outChannels
        var inputGradient = needsInputGradient ? Tensor.zeros(input.shape) : Tensor.zeros([0])
        input.withUnsafeBufferPointer { x in
            outputGradient.withUnsafeBufferPointer { dy in
                weight.withUnsafeBufferPointer { w in
                    weightGradient.withUnsafeMutableBufferPointer { dw in
                        biasGradient.withUnsafeMutableBufferPointer { db in
                            inputGradient.withUnsafeMutableBufferPointer { dx in
                                workspace.withUnsafeMutableBufferPointer { col in
                                    var first = 0
                                    while first < batch {
                                        let images = min(chunk, batch - first)
                                        let rows = images * g.outputPixels
                                        let dyChunk = dy.start + first * outPerImage
                                        g.im2col(x.start + first * g.imageSize, images: images, into: col.start)
                                        GEMM.multiply(dyChunk, col.start, into: dw.start, m: outChannels, n: g.patchSize, k: rows, transposeA: true, beta: first == 0 ? 0 : 1)
                                        VectorKernels.columnSums(dyChunk, rows: rows, columns: outChannels,
                                                                 into: db.start, accumulate: first != 0)
                                        if needsInputGradient {
                                            GEMM.multiply(dyChunk, w.start, into: col.start, m: rows, n: g.patchSize, k: outChannels)
                                            g.col2im(col.start, images: images, addingInto: dx.start + first * g.imageSize)
                                        }
                                        first += images
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
