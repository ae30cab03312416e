import ConcordTensor

/// Poisson sampling: every participant takes part in a round independently with probability q, so a
/// round's size varies (and may be zero). This is the sampling the subsampled-Gaussian RDP bound of
/// differential privacy's accountant assumes (Mironov et al. 2019); fixed-size sampling is not.
public struct PoissonSampler: ParticipantSampler, Codable, Equatable {
    /// The probability q in (0, 1].
    public var probability: Double

    /// Creates a sampler.
    public init(probability: Double) { self.probability = probability }

    /// Each of `available` with probability q, from 53-bit uniforms of the round's generator.
    public func sample(round: Int, available: [Int], generator: inout SeededGenerator) -> [Int] {
        available.filter { _ in Double(generator.next() >> 11) * 0x1p-53 < probability }
    }
}
