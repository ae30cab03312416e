/// Bulyan (El Mhamdi et al. 2018, "The Hidden Vulnerability of Distributed Learning in Byzantium"):
/// Krum to select, then a coordinate-wise trimmed mean of the selection.
///
/// With n ≥ 4f + 3 vectors, θ = n − 2f of them are selected by applying Krum repeatedly: each time
/// over the vectors not yet selected (with the same f), moving the winner into the selection. Per
/// coordinate, the β = θ − 2f selected values closest to their median — the middle β once sorted —
/// are then averaged. In the last selection steps fewer than f + 2 vectors may remain for a score;
/// the neighbour count r − f − 2 is then taken as zero and the lowest remaining index wins.
///
/// Ties go to the lower index, so the result is deterministic. The pairwise distances are computed
/// once and reused by every Krum step. The weights are checked (one per vector) but otherwise
/// ignored, as the statistic is defined unweighted.
public struct Bulyan: UpdateAggregator, Equatable {
    /// The number f of Byzantine participants to tolerate, at least 0.
    public var f: Int

    /// Creates Bulyan tolerating `f` Byzantine participants.
    public init(f: Int) {
        self.f = f
    }

    /// "bulyan(f=2)".
    public var name: String { "bulyan(f=\(f))" }

    /// False: Bulyan needs the individual vectors.
    public var isWeightedSum: Bool { false }

    /// The coordinate-wise mean of the middle n − 4f of the n − 2f Krum-selected values.
    ///
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` when there are no vectors, their lengths
    ///   differ, the weights do not pair up with them, f < 0 or n < 4f + 3.
    public func aggregate(_ vectors: [[Float]], weights: [Double]) throws -> [Float] {
        let dimension = try AggregatorInput.dimension(of: vectors, weights: weights, aggregator: name)
        let n = vectors.count
        guard f >= 0 else {
            throw FederationError.invalidConfiguration("\(name): f = \(f) must be at least 0")
        }
        guard f <= (Int.max - 3) / 4, n >= 4 * f + 3 else {
            throw FederationError.invalidConfiguration(
                "\(name): n = \(n) vectors cannot tolerate f = \(f) Byzantine ones; Bulyan needs n ≥ 4f + 3, "
                    + "so lower f or wait for more participants")
        }
        let selected = Self.selection(distances: PairwiseDistances(vectors, dimension: dimension), f: f)
        return CoordinateStatistics.trimmedMean(of: selected.map { vectors[$0] }, dimension: dimension, trim: f)
    }

    /// The indices, ascending, of the θ = n − 2f vectors that repeated Krum selects.
    static func selection(distances: PairwiseDistances, f: Int) -> [Int] {
        let n = distances.count
        var remaining = [Bool](repeating: true, count: n)
        var selected: [Int] = []
        selected.reserveCapacity(max(0, n - 2 * f))
        while selected.count < n - 2 * f {
            guard let winner = distances.krumRanking(active: remaining, f: f).first else { break }
            remaining[winner] = false
            selected.append(winner)
        }
        return selected.sorted()
    }
}
