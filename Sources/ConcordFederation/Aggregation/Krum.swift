/// Krum and Multi-Krum: keep the update(s) whose nearest neighbours are closest.
///
/// Krum (Blanchard et al. 2017, "Machine Learning with Adversaries: Byzantine Tolerant Gradient
/// Descent") gives each of the n vectors the score s(i) = Σ ‖v_i − v_j‖² over its n − f − 2 nearest
/// other vectors and returns the vector of lowest score; it tolerates f Byzantine participants when
/// n ≥ 2f + 3. Multi-Krum (El Mhamdi et al. 2018, "The Hidden Vulnerability of Distributed Learning
/// in Byzantium") returns the unweighted mean of the m lowest-scoring vectors; m = 1 is Krum, and
/// m = n with f = 0 is the plain mean.
///
/// Equal scores go to the lower index, so the result is deterministic. Squared distances are
/// accumulated in `Double` and computed once per call. The weights are checked (one per vector)
/// but otherwise ignored, as the statistic is defined unweighted.
public struct Krum: UpdateAggregator, Equatable {
    /// The number f of Byzantine participants to tolerate, at least 0.
    public var f: Int
    /// The number m of lowest-scoring vectors averaged, in 1...n (1 for Krum).
    public var m: Int

    /// Creates Krum (`m` = 1) or Multi-Krum tolerating `f` Byzantine participants.
    public init(f: Int, m: Int = 1) {
        self.f = f
        self.m = m
    }

    /// "krum(f=2)", or "multi-krum(f=2,m=5)" when m > 1.
    public var name: String { m == 1 ? "krum(f=\(f))" : "multi-krum(f=\(f),m=\(m))" }

    /// False: Krum needs the individual vectors.
    public var isWeightedSum: Bool { false }

    /// The vector of lowest Krum score (m = 1), or the mean of the m lowest-scoring vectors.
    ///
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` when there are no vectors, their lengths
    ///   differ, the weights do not pair up with them, f < 0, n < 2f + 3 or m is outside 1...n.
    public func aggregate(_ vectors: [[Float]], weights: [Double]) throws -> [Float] {
        let dimension = try AggregatorInput.dimension(of: vectors, weights: weights, aggregator: name)
        let n = vectors.count
        guard f >= 0 else {
            throw FederationError.invalidConfiguration("\(name): f = \(f) must be at least 0")
        }
        guard f <= (Int.max - 3) / 2, n >= 2 * f + 3 else {
            throw FederationError.invalidConfiguration(
                "\(name): n = \(n) vectors cannot tolerate f = \(f) Byzantine ones (m = \(m)); Krum needs "
                    + "n ≥ 2f + 3, so lower f or wait for more participants")
        }
        guard (1...n).contains(m) else {
            throw FederationError.invalidConfiguration(
                "\(name): m = \(m) must be between 1 and n = \(n) (f = \(f))")
        }
        let distances = PairwiseDistances(vectors, dimension: dimension)
        let ranking = distances.krumRanking(active: [Bool](repeating: true, count: n), f: f)
        let chosen = ranking.prefix(m).sorted()
        if chosen.count == 1, let only = chosen.first { return vectors[only] }
        return Self.mean(of: chosen.map { vectors[$0] }, dimension: dimension)
    }

    /// The unweighted mean of `vectors` (each of `dimension` values), summed in `Double` in the order
    /// given.
    static func mean(of vectors: [[Float]], dimension: Int) -> [Float] {
        guard !vectors.isEmpty, dimension > 0 else { return [Float](repeating: 0, count: max(0, dimension)) }
        var sum = [Double](repeating: 0, count: dimension)
        sum.withUnsafeMutableBufferPointer { s in
            for vector in vectors {
                vector.withUnsafeBufferPointer { v in
                    guard v.count >= s.count else { return }
                    for i in 0..<s.count { s[i] += Double(v[i]) }
                }
            }
        }
        let count = Double(vectors.count)
        return sum.map { Float($0 / count) }
    }
}
