/// The example-weighted mean Σ_k (n_k / n)·w_k, FedAvg's aggregate (McMahan et al. 2017).
///
/// Accumulates in Double in the order given (participant order), so a run is reproducible.
public struct WeightedMean: UpdateAggregator, Equatable {
    /// Creates the aggregator.
    public init() {}

    /// "mean".
    public var name: String { "mean" }

    /// A weighted sum: secure aggregation and differential privacy can compute it.
    public var isWeightedSum: Bool { true }

    /// The weighted mean of `vectors`.
    ///
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` when there are no vectors, the weights do
    ///   not sum to a positive number, or the lengths differ.
    public func aggregate(_ vectors: [[Float]], weights: [Double]) throws -> [Float] {
        guard let length = vectors.first?.count, weights.count == vectors.count else {
            throw FederationError.invalidConfiguration("no updates to average, or weights that do not match them")
        }
        let total = weights.reduce(0) { $0 + max(0, $1) }
        guard total > 0, total.isFinite else {
            throw FederationError.invalidConfiguration("no examples to average over")
        }
        var sum = [Double](repeating: 0, count: length)
        for (vector, weight) in zip(vectors, weights) {
            guard vector.count == length else {
                throw FederationError.invalidConfiguration("updates of different lengths cannot be averaged")
            }
            let p = max(0, weight) / total
            vector.withUnsafeBufferPointer { w in
                sum.withUnsafeMutableBufferPointer { s in
                    for i in 0..<s.count { s[i] += p * Double(w[i]) }
                }
            }
        }
        return sum.map { Float($0) }
    }

    /// The example-weighted mean of each metric the participants reported.
    public static func metrics(_ results: [FitResult]) -> [String: Double] {
        var sums: [String: Double] = [:], weights: [String: Double] = [:]
        for result in results {
            let n = Double(max(0, result.update.exampleCount))
            for (key, value) in result.update.metrics where value.isFinite {
                sums[key, default: 0] += value * n
                weights[key, default: 0] += n
            }
        }
        return sums.reduce(into: [:]) { out, entry in
            if let w = weights[entry.key], w > 0 { out[entry.key] = entry.value / w }
        }
    }
}
