import ConcordTensor

/// Chooses which participants train in a round.
public protocol ParticipantSampler: Sendable {
    /// The participants chosen among `available` (ascending), from the round's generator.
    func sample(round: Int, available: [Int], generator: inout SeededGenerator) -> [Int]
}

/// How a round's participants are drawn.
public enum SamplingMethod: String, Sendable, Codable, CaseIterable {
    /// A fixed number, m = max(C·K, minimum), uniformly without replacement (``FractionSampler``).
    case fixed
    /// Each participant independently with probability C (``PoissonSampler``).
    case poisson
}

/// Uniform sampling without replacement of a fixed fraction C of the participants, never fewer than
/// `minimum` (nor more than are available): the FedAvg paper's m = max(C·K, 1).
public struct FractionSampler: ParticipantSampler, Codable, Equatable {
    /// The fraction C in (0, 1].
    public var fraction: Double
    /// The least number sampled.
    public var minimum: Int

    /// Creates a sampler.
    public init(fraction: Double, minimum: Int = 1) {
        self.fraction = fraction
        self.minimum = minimum
    }

    /// How many of `available` participants a round samples.
    public func count(available: Int) -> Int {
        min(available, max(minimum, Int((fraction * Double(available)).rounded())))
    }

    /// A uniform random subset of size ``count(available:)``, in ascending order.
    public func sample(round: Int, available: [Int], generator: inout SeededGenerator) -> [Int] {
        var pool = available
        let m = count(available: pool.count)
        // Partial Fisher–Yates: the first m positions become a uniform sample.
        for i in 0..<m {
            let j = i + Int(generator.next() % UInt64(pool.count - i))
            pool.swapAt(i, j)
        }
        return pool.prefix(m).sorted()
    }
}
