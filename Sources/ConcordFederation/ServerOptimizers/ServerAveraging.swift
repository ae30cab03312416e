/// FedAvg's server step (McMahan et al. 2017): x ← x + η·(aggregate − x), which with the default
/// η = 1 is the aggregate itself.
public struct ServerAveraging: ServerOptimizer, Equatable {
    /// The server learning rate η.
    public var learningRate: Float

    /// Creates the step; η = 1 replaces the global parameters by the aggregate.
    public init(learningRate: Float = 1) { self.learningRate = learningRate }

    /// "average" or "average(η=…)".
    public var name: String { learningRate == 1 ? "average" : "average(η=\(learningRate))" }

    /// x + η·(aggregate − x); exactly the aggregate when η = 1.
    public mutating func step(current: [Float], aggregate: [Float]) throws -> [Float] {
        try checkState([], count: current.count, aggregate: aggregate.count)
        guard learningRate != 1 else { return aggregate }
        var next = current
        for i in next.indices { next[i] += learningRate * (aggregate[i] - current[i]) }
        return next
    }
}
