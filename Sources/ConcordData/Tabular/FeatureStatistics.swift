/// Per-feature counts, sums and sums of squares of a table's numeric columns (missing values left out):
/// what a node sends in the federated pre-round, so the federation can agree on standardisation without
/// pooling any rows. Statistics from several nodes add up with ``merged(with:)``.
public struct FeatureStatistics: Sendable, Equatable, Codable {
    /// The numeric features' names, in order.
    public var names: [String]
    /// How many non-missing values each feature has.
    public var counts: [Int]
    /// The sum of each feature's values.
    public var sums: [Double]
    /// The sum of each feature's squared values.
    public var sumsOfSquares: [Double]

    /// Statistics of no rows for the features `names`.
    public init(names: [String]) {
        self.names = names
        counts = Array(repeating: 0, count: names.count)
        sums = Array(repeating: 0, count: names.count)
        sumsOfSquares = Array(repeating: 0, count: names.count)
    }

    /// Adds one value of feature `index`.
    public mutating func add(_ value: Double, feature index: Int) {
        counts[index] += 1
        sums[index] += value
        sumsOfSquares[index] += value * value
    }

    /// The statistics of both tables together.
    ///
    /// - Throws: ``TabularError/invalidSchema(reason:)`` when the two describe different features.
    public func merged(with other: FeatureStatistics) throws(TabularError) -> FeatureStatistics {
        guard names == other.names else {
            throw .invalidSchema(reason: "statistics for features \(names) and \(other.names) cannot be merged")
        }
        var result = self
        for index in names.indices {
            result.counts[index] += other.counts[index]
            result.sums[index] += other.sums[index]
            result.sumsOfSquares[index] += other.sumsOfSquares[index]
        }
        return result
    }

    /// The mean and (population) standard deviation of each feature. A feature with no values gets mean 0 and
    /// scale 1; a constant one scale 1, so standardising never divides by zero.
    public var standardisation: Standardisation {
        var means: [Double] = [], scales: [Double] = []
        for index in names.indices {
            let count = Double(counts[index])
            guard count > 0 else {
                means.append(0)
                scales.append(1)
                continue
            }
            let mean = sums[index] / count
            let variance = max(0, sumsOfSquares[index] / count - mean * mean)
            let deviation = variance.squareRoot()
            means.append(mean)
            scales.append(deviation > 1e-12 * max(1, abs(mean)) ? deviation : 1)
        }
        return Standardisation(names: names, means: means, scales: scales)
    }
}

/// The shift and scale each numeric feature is standardised with: x ↦ (x − mean) / scale.
public struct Standardisation: Sendable, Equatable, Codable {
    /// The numeric features' names, in order.
    public var names: [String]
    /// Each feature's mean.
    public var means: [Double]
    /// Each feature's standard deviation (1 where it is zero or unknown).
    public var scales: [Double]

    /// Creates a standardisation from its parts, one entry per feature.
    public init(names: [String], means: [Double], scales: [Double]) {
        self.names = names
        self.means = means
        self.scales = scales
    }
}
