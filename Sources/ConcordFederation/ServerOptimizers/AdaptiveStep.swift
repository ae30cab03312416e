/// The step FedAdam, FedYogi and FedAdagrad share (Reddi et al. 2021, Algorithm 2), which differ only in
/// how the second moment v follows Δ²:
///
///     Δ = aggregate − x;  m ← β1·m + (1 − β1)·Δ;  v ← rule(v, Δ²);  x ← x + η·m / (√v + τ)
///
/// As in the paper, there is no bias correction, v starts at τ² and m at 0.
struct AdaptiveStep {
    var learningRate: Float
    var beta1: Float
    var tau: Float

    func step(
        current: [Float], aggregate: [Float], m: inout [Float], v: inout [Float],
        secondMoment: (_ v: Float, _ deltaSquared: Float) -> Float
    ) -> [Float] {
        if m.isEmpty {
            m = [Float](repeating: 0, count: current.count)
            v = [Float](repeating: tau * tau, count: current.count)
        }
        var next = current
        for i in next.indices {
            let delta = aggregate[i] - current[i]
            m[i] = beta1 * m[i] + (1 - beta1) * delta
            v[i] = secondMoment(v[i], delta * delta)
            next[i] += learningRate * m[i] / (v[i].squareRoot() + tau)
        }
        return next
    }
}
