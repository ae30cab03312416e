/// Checks shared by the robust aggregators: there is something to aggregate, the vectors agree in
/// length and there is one weight per vector.
enum AggregatorInput {
    /// The common length of `vectors`.
    ///
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` naming `aggregator` when there are no
    ///   vectors, their lengths differ or the weights do not pair up with them.
    static func dimension(of vectors: [[Float]], weights: [Double], aggregator: String) throws -> Int {
        guard let first = vectors.first else {
            throw FederationError.invalidConfiguration("\(aggregator): no vectors to aggregate (need at least one)")
        }
        guard weights.count == vectors.count else {
            throw FederationError.invalidConfiguration(
                "\(aggregator): \(weights.count) weights for \(vectors.count) vectors; pass one weight per vector")
        }
        for (index, vector) in vectors.enumerated() where vector.count != first.count {
            throw FederationError.invalidConfiguration(
                "\(aggregator): vector \(index) has \(vector.count) values but vector 0 has \(first.count); "
                    + "all updates must have the model's length")
        }
        return first.count
    }
}
