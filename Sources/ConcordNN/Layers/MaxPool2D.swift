import ConcordTensor

/// 2-D max pooling over NHWC images (no padding; a partial window at the edge is dropped).
public final class MaxPool2D: Layer {
    /// The layer's name in its model.
    public let name: String
    /// Window height and width.
    public let poolSize: Int
    /// Step between windows.
    public let stride: Int
    private var inputShape: [Int] = []
    private var argmax: [Int32] = []
    private var output = Tensor.empty
    private var inputGradient = Tensor.empty

    /// Creates a pooling layer with a square window (`stride` defaults to the window size).
    public init(name: String = "pool", poolSize: Int = 2, stride: Int? = nil) {
        self.name = name
        self.poolSize = poolSize
        self.stride = stride ?? poolSize
    }

    /// `[h, w, c]` in, `[(h−p)/s+1, (w−p)/s+1, c]` out.
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 3, inputShape[0] >= poolSize, inputShape[1] >= poolSize else {
            throw ModelError.incompatibleShape(
                layer: name, expected: "[height ≥ \(poolSize), width ≥ \(poolSize), channels]", got: inputShape)
        }
        return [(inputShape[0] - poolSize) / stride + 1, (inputShape[1] - poolSize) / stride + 1, inputShape[2]]
    }

    /// The maximum of each window, per channel; remembers where it was for the backward pass.
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let (batch, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let oh = (h - poolSize) / stride + 1, ow = (w - poolSize) / stride + 1
        let outCount = batch * oh * ow * c
        inputShape = input.shape
        if argmax.count != outCount { argmax = [Int32](repeating: 0, count: outCount) }
        output.prepare(shape: [batch, oh, ow, c])
        output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { x in
                argmax.withUnsafeMutableBufferPointer { arg in
                    // Channels innermost: each window position compares whole contiguous channel rows.
                    var o = 0
                    for n in 0..<batch {
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                let first = ((n * h + oy * stride) * w + ox * stride) * c
                                Self.poolWindow(
                                    x.start, first: first, rowStride: w * c, channels: c,
                                    size: poolSize, into: out.start + o, argmax: arg.start + o)
                                o += c
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// The per-channel maximum (and its flat input index) of one window whose top-left is at `first`.
    /// Channels are innermost in NHWC, so whole blocks of 16 channels are compared at once.
    @inline(__always)
    private static func poolWindow(
        _ x: UnsafePointer<Float>, first: Int, rowStride: Int, channels c: Int, size: Int,
        into best: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>
    ) {
        let lanes = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        var ch = 0
        while ch + 16 <= c {
            var value = UnsafeRawPointer(x + first + ch).loadUnaligned(as: SIMD16<Float>.self)
            var index = SIMD16<Int32>(repeating: Int32(truncatingIfNeeded: first + ch)) &+ lanes
            for ky in 0..<size {
                for kx in 0..<size where ky != 0 || kx != 0 {
                    let base = first + ky * rowStride + kx * c + ch
                    let v = UnsafeRawPointer(x + base).loadUnaligned(as: SIMD16<Float>.self)
                    let greater = v .> value
                    value.replace(with: v, where: greater)
                    index.replace(
                        with: SIMD16<Int32>(repeating: Int32(truncatingIfNeeded: base)) &+ lanes, where: greater)
                }
            }
            UnsafeMutableRawPointer(best + ch).storeBytes(of: value, as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(argmax + ch).storeBytes(of: index, as: SIMD16<Int32>.self)
            ch += 16
        }
        while ch < c {
            var value = x[first + ch], index = first + ch
            for ky in 0..<size {
                for kx in 0..<size {
                    let i = first + ky * rowStride + kx * c + ch
                    if x[i] > value { value = x[i]; index = i }
                }
            }
            best[ch] = value
            argmax[ch] = Int32(truncatingIfNeeded: index)
            ch += 1
        }
    }

    /// Routes each output gradient to the input that was the window's maximum.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        inputGradient.prepare(shape: inputShape)
        let (batch, h, w, c) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let tiles = stride == poolSize && h % poolSize == 0 && w % poolSize == 0
        inputGradient.withUnsafeMutableBufferPointer { dx in
            outputGradient.withUnsafeBufferPointer { dy in
                argmax.withUnsafeBufferPointer { arg in
                    if tiles {
                        // Windows tile the input: write every input gradient once, no zeroing pass.
                        let windows = batch * (h / poolSize) * (w / poolSize)
                        for window in 0..<windows {
                            let o = window * c
                            let n = window / ((h / poolSize) * (w / poolSize))
                            let inImage = window % ((h / poolSize) * (w / poolSize))
                            let oy = inImage / (w / poolSize), ox = inImage % (w / poolSize)
                            let first = ((n * h + oy * poolSize) * w + ox * poolSize) * c
                            for ky in 0..<poolSize {
                                for kx in 0..<poolSize {
                                    Self.routeWindow(
                                        dy.start + o, arg.start + o, base: first + (ky * w + kx) * c,
                                        channels: c, into: dx.start)
                                }
                            }
                        }
                    } else {
                        dx.update(repeating: 0)
                        for i in 0..<dy.count { dx[Int(arg[i])] += dy[i] }
                    }
                }
            }
        }
        return inputGradient
    }

    /// For the `channels` inputs starting at `base` of one window position: the output gradient where
    /// that input was the maximum, else zero.
    @inline(__always)
    private static func routeWindow(
        _ dy: UnsafePointer<Float>, _ argmax: UnsafePointer<Int32>, base: Int,
        channels c: Int, into dx: UnsafeMutablePointer<Float>
    ) {
        let lanes = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        var ch = 0
        while ch + 16 <= c {
            let index = SIMD16<Int32>(repeating: Int32(truncatingIfNeeded: base + ch)) &+ lanes
            let winner = UnsafeRawPointer(argmax + ch).loadUnaligned(as: SIMD16<Int32>.self)
            let g = UnsafeRawPointer(dy + ch).loadUnaligned(as: SIMD16<Float>.self)
            let routed = SIMD16<Float>(repeating: 0).replacing(with: g, where: winner .== index)
            UnsafeMutableRawPointer(dx + base + ch).storeBytes(of: routed, as: SIMD16<Float>.self)
            ch += 16
        }
        while ch < c {
            dx[base + ch] = Int(argmax[ch]) == base + ch ? dy[ch] : 0
            ch += 1
        }
    }
}
