/// The coordinate-wise median (Yin et al. 2018, "Byzantine-Robust Distributed Learning: Towards
/// Optimal Statistical Rates"): per coordinate, the median of the n participants' values, the mean of
/// the two middle values when n is even.
///
/// It tolerates any minority of arbitrary (Byzantine) updates in each coordinate. The weights are
/// checked (one per vector) but otherwise ignored, as the statistic is defined unweighted.
public struct CoordinateMedian: UpdateAggregator, Equatable {
    /// Creates the aggregator.
    public init() {}

    /// "median".
    public var name: String { "median" }

    /// False: the median needs the individual vectors.
    public var isWeightedSum: Bool { false }

    /// The per-coordinate median of `vectors`.
    ///
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` when there are no vectors, their lengths
    ///   differ or the weights do not pair up with them.
    public func aggregate(_ vectors: [[Float]], weights: [Double]) throws -> [Float] {
        let dimension = try AggregatorInput.dimension(of: vectors, weights: weights, aggregator: name)
        return CoordinateStatistics.trimmedMean(of: vectors, dimension: dimension, trim: (vectors.count - 1) / 2)
    }
}
