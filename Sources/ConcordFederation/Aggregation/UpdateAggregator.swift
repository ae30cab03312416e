/// Combines participants' parameter vectors into one: the example-weighted mean of FedAvg, or a
/// robust statistic that tolerates poisoned updates (coordinate-wise median, trimmed mean, Krum,
/// Multi-Krum, Bulyan).
///
/// Every aggregator here is translation-equivariant (aggregating w_k or the updates w_k − w gives
/// results that differ by exactly w), so strategies may hand it either; server optimisers then
/// take the step from the current parameters towards the aggregate.
public protocol UpdateAggregator: Sendable, Codable {
    /// A short name for reports ("mean", "median", "krum(f=2)").
    var name: String { get }

    /// Whether the aggregate is a weighted sum of the inputs, which is all secure aggregation and
    /// differential privacy can compute; robust statistics need the individual vectors.
    var isWeightedSum: Bool { get }

    /// The aggregate of `vectors` (all of one length, in participant order).
    ///
    /// - Parameters:
    ///   - vectors: one vector per participant, at least one.
    ///   - weights: one non-negative weight per vector (example counts); robust statistics that the
    ///     literature defines unweighted ignore them.
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` when the statistic is undefined for this
    ///   many vectors (Krum needs n > 2f + 2, Bulyan n ≥ 4f + 3) or the inputs are inconsistent.
    func aggregate(_ vectors: [[Float]], weights: [Double]) throws -> [Float]
}
