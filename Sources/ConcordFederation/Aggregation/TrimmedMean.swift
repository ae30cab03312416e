/// The coordinate-wise trimmed mean (Yin et al. 2018, "Byzantine-Robust Distributed Learning:
/// Towards Optimal Statistical Rates"): per coordinate, drop the ⌊β·n⌋ largest and the ⌊β·n⌋
/// smallest of the n values and average the rest.
///
/// It tolerates up to ⌊β·n⌋ arbitrary (Byzantine) values per coordinate. ⌊β·n⌋ is taken with a
/// tolerance of 10⁻⁹, so that β = 0.29 with n = 100 trims 29 rather than 28 after rounding. The
/// weights are checked (one per vector) but otherwise ignored, as the statistic is defined
/// unweighted.
public struct TrimmedMean: UpdateAggregator, Equatable {
    /// The fraction β in [0, 0.5) trimmed from each end.
    public var beta: Double

    /// Creates the aggregator trimming the fraction `beta` from each end.
    public init(beta: Double) {
        self.beta = beta
    }

    /// "trimmed-mean(β=0.2)".
    public var name: String { "trimmed-mean(β=\(beta))" }

    /// False: the trimmed mean needs the individual vectors.
    public var isWeightedSum: Bool { false }

    /// How many values are dropped from each end of n: ⌊β·n⌋.
    public func trimCount(vectorCount n: Int) -> Int {
        guard beta.isFinite, beta > 0, n > 0 else { return 0 }
        return Int((beta * Double(n) + 1e-9).rounded(.down))
    }

    /// The per-coordinate trimmed mean of `vectors`.
    ///
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` when there are no vectors, their lengths
    ///   differ, the weights do not pair up with them, β is outside [0, 0.5) or nothing would remain.
    public func aggregate(_ vectors: [[Float]], weights: [Double]) throws -> [Float] {
        let dimension = try AggregatorInput.dimension(of: vectors, weights: weights, aggregator: name)
        guard beta >= 0, beta < 0.5 else {
            throw FederationError.invalidConfiguration(
                "\(name): β = \(beta) must be in [0, 0.5) (the fraction dropped from each end)")
        }
        let n = vectors.count
        let trim = trimCount(vectorCount: n)
        guard n - 2 * trim >= 1 else {
            throw FederationError.invalidConfiguration(
                "\(name): trimming \(trim) from each end of n = \(n) values leaves none; lower β")
        }
        return CoordinateStatistics.trimmedMean(of: vectors, dimension: dimension, trim: trim)
    }
}
