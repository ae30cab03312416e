/// FedAvgM, federated averaging with server momentum (Hsu, Qi, Brown 2019, "Measuring the Effects of
/// Non-Identical Data Distribution for Federated Visual Classification"):
/// v ← β·v + Δ, x ← x + η·v, with Δ = aggregate − x.
public struct FedAvgM: ServerOptimizer, Equatable {
    /// The server learning rate η.
    public var learningRate: Float
    /// The momentum β.
    public var momentum: Float
    /// The velocity v (empty before the first round).
    public private(set) var velocity: [Float] = []

    /// Creates the optimiser (the paper's experiments use η = 1, β = 0.9).
    public init(learningRate: Float = 1, momentum: Float = 0.9) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    /// "fedavgm(η=…,β=…)".
    public var name: String { "fedavgm(η=\(learningRate),β=\(momentum))" }

    /// One momentum step along Δ.
    public mutating func step(current: [Float], aggregate: [Float]) throws -> [Float] {
        try checkState(velocity, count: current.count, aggregate: aggregate.count)
        if velocity.isEmpty { velocity = [Float](repeating: 0, count: current.count) }
        var next = current
        for i in next.indices {
            velocity[i] = momentum * velocity[i] + (aggregate[i] - current[i])
            next[i] += learningRate * velocity[i]
        }
        return next
    }
}
