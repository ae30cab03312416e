import ConcordTensor

/// Stochastic gradient descent with optional momentum and L2 weight decay, as PyTorch's `SGD`:
/// g ← g + λ·w; v ← μ·v + g; w ← w − η·v (or w ← w − η·(g + μ·v) with Nesterov).
public final class SGD: Optimizer {
    /// The step size η.
    public var learningRate: Float
    /// The momentum factor μ (0 disables momentum).
    public let momentum: Float
    /// The L2 penalty λ.
    public let weightDecay: Float
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool
    private var velocities: [[Float]] = []

    /// Creates the optimiser.
    public init(learningRate: Float, momentum: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    /// The learning rate when this is plain SGD (no momentum, no weight decay), whose update layers can
    /// fuse into their backward pass; nil otherwise.
    public var plainLearningRate: Float? { momentum == 0 && weightDecay == 0 ? learningRate : nil }

    /// Forgets the velocities.
    public func reset() { velocities = [] }

    /// Applies one update.
    public func step(_ model: Sequential) {
        let lr = learningRate, mu = momentum, wd = weightDecay, nesterov = nesterov
        model.forEachParameter { position, parameter, gradient in
            parameter.withUnsafeMutableBufferPointer { w in
                gradient.withUnsafeMutableBufferPointer { g in
                    let n = w.count, w = w.start, g = g.start
                    if wd != 0 { VectorKernels.axpy(n, alpha: wd, w, g) }
                    guard mu != 0 else {
                        VectorKernels.axpy(n, alpha: -lr, g, w)
                        return
                    }
                    if velocities.count <= position {
                        velocities.append([Float](repeating: 0, count: n))
                    }
                    velocities[position].withUnsafeMutableBufferPointer { v in
                        let v = v.start
                        for i in 0..<n {
                            v[i] = mu * v[i] + g[i]
                            w[i] -= lr * (nesterov ? g[i] + mu * v[i] : v[i])
                        }
                    }
                }
            }
        }
    }
}
