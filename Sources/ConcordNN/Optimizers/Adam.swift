import ConcordTensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Adam (Kingma & Ba 2015) with bias correction and optional L2 weight decay, as PyTorch's `Adam`.
public final class Adam: Optimizer {
    /// The step size.
    public var learningRate: Float
    /// Decay rates of the first and second moment estimates.
    public let beta1: Float, beta2: Float
    /// Added to the denominator for numerical stability.
    public let epsilon: Float
    /// The L2 penalty added to the gradient.
    public let weightDecay: Float
    private var firstMoments: [[Float]] = []
    private var secondMoments: [[Float]] = []
    private var steps = 0

    /// Creates the optimiser.
    public init(
        learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// Forgets the moments and the step count.
    public func reset() {
        firstMoments = []
        secondMoments = []
        steps = 0
    }

    /// Applies one update.
    public func step(_ model: Sequential) {
        steps += 1
        let b1 = beta1, b2 = beta2, eps = epsilon, wd = weightDecay
        let correction1 = 1 - Float(pow(Double(b1), Double(steps)))
        let correction2 = 1 - Float(pow(Double(b2), Double(steps)))
        let stepSize = learningRate / correction1
        let rootCorrection2 = correction2.squareRoot()
        model.forEachParameter { position, parameter, gradient in
            if firstMoments.count <= position {
                firstMoments.append([Float](repeating: 0, count: parameter.count))
                secondMoments.append([Float](repeating: 0, count: parameter.count))
            }
            parameter.withUnsafeMutableBufferPointer { w in
                gradient.withUnsafeBufferPointer { g in
                    firstMoments[position].withUnsafeMutableBufferPointer { m in
                        secondMoments[position].withUnsafeMutableBufferPointer { v in
                            for i in 0..<w.count {
                                let grad = g[i] + wd * w[i]
                                m[i] = b1 * m[i] + (1 - b1) * grad
                                v[i] = b2 * v[i] + (1 - b2) * grad * grad
                                w[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}
