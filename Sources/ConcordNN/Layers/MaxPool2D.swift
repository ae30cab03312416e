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

    /// Creates a pooling layer with a square window (`stride` defaults to the window size).
    public init(name: String = "pool", poolSize: Int = 2, stride: Int? = nil) {
        self.name = name
        self.poolSize = poolSize
        self.stride = stride ?? poolSize
    }

    /// `[h, w, c]` in, `[(h−p)/s+1, (w−p)/s+1, c]` out.
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 3, inputShape[0] >= poolSize, inputShape[1] >= poolSize else {
            throw ModelError.incompatibleShape(layer: name, expected: "[height ≥ \(poolSize), width ≥ \(poolSize), channels]", got: inputShape)
        }
        return [(inputShape[0] - poolSize) / stride + 1, (inputShape[1] - poolSize) / stride + 1, inputShape[2]]
    }

    /// The maximum of each window, per channel; remembers where it was for the backward pass.
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let (batch, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let oh = (h - poolSize) / stride + 1, ow = (w - poolSize) / stride + 1
        let outCount = batch * oh * ow * c
        if training {
            inputShape = input.shape
            if argmax.count != outCount { argmax = [Int32](repeating: 0, count: outCount) }
        }
        return Tensor(uninitializedShape: [batch, oh, ow, c]) { out in
            input.withUnsafeBufferPointer { x in
                argmax.withUnsafeMutableBufferPointer { arg in
                    var o = 0
                    for n in 0..<batch {
                        let image = n * h * w * c
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                let first = image + (oy * stride * w + ox * stride) * c
                                for ch in 0..<c {
                                    var bestIndex = first + ch
                                    var best = x[bestIndex]
                                    for ky in 0..<poolSize {
                                        for kx in 0..<poolSize {
                                            let idx = first + (ky * w + kx) * c + ch
                                            if x[idx] > best { best = x[idx]; bestIndex = idx }
                                        }
                                    }
                                    out[o] = best
                                    if training { arg[o] = Int32(truncatingIfNeeded: bestIndex) }
                                    o += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Routes each output gradient to the input that was the window's maximum.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        var dx = Tensor.zeros(inputShape)
        dx.withUnsafeMutableBufferPointer { dx in
            outputGradient.withUnsafeBufferPointer { dy in
                argmax.withUnsafeBufferPointer { arg in
                    for i in 0..<dy.count { dx[Int(arg[i])] += dy[i] }
                }
            }
        }
        return dx
    }
}
