/// FedYogi (Reddi et al. 2021, "Adaptive Federated Optimization", Algorithm 2): an adaptive server step
/// over the pseudo-gradient Δ = aggregate − x, with the second moment v ← v − (1 − β2)·Δ²·sign(v − Δ²), which grows v more slowly than Adam when Δ² jumps.
/// Momentum m ← β1·m + (1 − β1)·Δ and x ← x + η·m / (√v + τ); no bias correction, v starts at τ².
public struct FedYogi: ServerOptimizer, Equatable {
    /// The server learning rate η.
    public var learningRate: Float
    /// The momentum decay β1.
    public var beta1: Float
    /// The second-moment rate β2.
    public var beta2: Float
    /// The adaptivity τ, which bounds the step where v is small.
    public var tau: Float
    /// The first moment m (empty before the first round).
    public private(set) var m: [Float] = []
    /// The second moment v (empty before the first round).
    public private(set) var v: [Float] = []

    /// Creates the optimiser with the paper's defaults for β and τ.
    public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.99, tau: Float = 1e-3) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.tau = tau
    }

    /// "fedyogi(η=…,…)".
    public var name: String { "fedyogi(η=\(learningRate),β1=\(beta1),β2=\(beta2),τ=\(tau))" }

    /// One adaptive step along Δ.
    public mutating func step(current: [Float], aggregate: [Float]) throws -> [Float] {
        try checkState(m, count: current.count, aggregate: aggregate.count)
        let rule = AdaptiveStep(learningRate: learningRate, beta1: beta1, tau: tau)
        let beta2 = beta2
        return rule.step(current: current, aggregate: aggregate, m: &m, v: &v) { v, d2 in
            v - (1 - beta2) * d2 * (v > d2 ? 1 : v < d2 ? -1 : 0)
        }
    }
}
