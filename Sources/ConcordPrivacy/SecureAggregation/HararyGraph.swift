/// The neighbourhoods of a SecAgg+ round: a Harary graph H(n, k), the k-regular graph on a ring where
/// each position is joined to the k/2 positions on either side, over a secret random relabelling of
/// the participants (Bell et al. 2020, "Secure Single-Server Aggregation with (Poly)Logarithmic
/// Overhead"). The relabelling makes each participant's neighbourhood a uniformly random k-subset of
/// the others, so dropouts and corrupt participants land in it as if drawn at random.
///
/// With k ≥ n − 1 the graph is complete: the original SecAgg of Bonawitz et al. 2017.
struct HararyGraph: Equatable, Sendable {
    /// Each participant's neighbours, ascending.
    let neighbours: [Int: [Int]]

    /// Builds the graph over `participants` with degree `degree` (even, or n − 1 for the complete graph).
    ///
    /// - Throws: ``SecureAggregationError/invalidSettings(_:)`` for an odd degree below n − 1, a degree
    ///   above n − 1, fewer than two participants, or repeated participants.
    init<G: RandomNumberGenerator>(
        participants: [Int], degree: Int, using generator: inout G
    )
        throws(SecureAggregationError)
    {
        let n = participants.count
        guard n >= 2, Set(participants).count == n else {
            throw .invalidSettings("a graph needs at least two distinct participants, got \(participants)")
        }
        guard degree >= 1, degree <= n - 1 else {
            throw .invalidSettings("a degree of \(degree) with \(n) participants (1…\(n - 1))")
        }
        if degree == n - 1 {
            neighbours = Dictionary(
                uniqueKeysWithValues: participants.map { u in (u, participants.filter { $0 != u }.sorted()) })
            return
        }
        guard degree % 2 == 0 else {
            throw .invalidSettings("a Harary graph below the complete one needs an even degree, got \(degree)")
        }
        let ring = participants.shuffled(using: &generator)
        var result: [Int: [Int]] = [:]
        for (position, participant) in ring.enumerated() {
            var around: [Int] = []
            for offset in 1...(degree / 2) {
                around.append(ring[(position + offset) % n])
                around.append(ring[(position - offset + n) % n])
            }
            result[participant] = around.sorted()
        }
        neighbours = result
    }
}
