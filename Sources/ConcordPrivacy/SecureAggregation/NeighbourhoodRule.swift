import Foundation

/// How Concord chooses SecAgg+'s degree k and threshold t from the number of participants n, the
/// expected dropout rate δ and the tolerated fraction γ of participants colluding with the coordinator.
///
/// The conditions are those of Bell et al. 2020's analysis, with each neighbourhood a uniformly random
/// k-subset of the others (the random relabelling of ``HararyGraph``) and binomial tails, which bound
/// the hypergeometric ones:
///
/// 1. t > k/2: two disjoint groups of t neighbours cannot both exist, so even a coordinator that lied
///    about who dropped out could not collect both a participant's self-mask and its mask key.
/// 2. Security, 2^−σ with σ = 40: the corrupt neighbours of an honest participant hold fewer than t
///    shares, P[Bin(k, γ) ≥ t] ≤ 2^−40.
/// 3. Correctness, 2^−η with η = 20 over all n neighbourhoods: enough neighbours survive to reconstruct
///    every secret, n · P[Bin(k, 1 − δ) < t] ≤ 2^−20.
/// 4. Privacy of partial sums: the honest survivors stay connected, or the coordinator would learn the
///    sum of each piece. Cutting the ring needs two runs of k/2 consecutive removed positions:
///    n²/2 · (δ + γ)^k ≤ 2^−40. (The complete graph never disconnects.)
///
/// The rule returns the smallest even k, and the smallest t for it, that meet all four. When none below
/// n − 1 does, it returns the complete graph (Bonawitz et al.'s SecAgg), where every participant holds a
/// share of everyone's secrets and the corrupt participants are a count, not a draw: t exceeds both k/2
/// and ⌊γn⌋. It then reports the correctness failure bound it achieves, since small rounds cannot reach
/// 2^−20 with any such t.
public enum NeighbourhoodRule {
    /// Statistical security in bits (conditions 2 and 4).
    public static let securityBits = 40.0
    /// Correctness in bits (condition 3).
    public static let correctnessBits = 20.0

    /// The recommended degree and threshold, with the probability that some neighbourhood keeps fewer
    /// than t survivors (a failed round).
    public struct Recommendation: Sendable, Equatable {
        /// k.
        public var neighbours: Int
        /// t.
        public var threshold: Int
        /// An upper bound on the probability that the round fails for want of surviving shares.
        public var failureBound: Double
    }

    /// The recommendation for `participants` participants.
    ///
    /// - Throws: ``SecureAggregationError/invalidSettings(_:)`` for fewer than three participants, rates
    ///   outside [0, 1), or corruption so high that no threshold keeps the secrets (condition 2).
    public static func recommend(
        participants n: Int, dropout: Double, corrupt: Double
    )
        throws(SecureAggregationError) -> Recommendation
    {
        guard n >= 3 else { throw .invalidSettings("the rule needs at least 3 participants, got \(n)") }
        guard (0..<1).contains(dropout), (0..<1).contains(corrupt), dropout + corrupt < 1 else {
            throw .invalidSettings(
                "dropout \(dropout) and corrupt fraction \(corrupt) must be in [0, 1) with a sum below 1")
        }
        let security = pow(2, -securityBits), correctness = pow(2, -correctnessBits)
        let removed = dropout + corrupt
        var k = 2
        while k < n - 1 {
            let connected = removed == 0 || log(Double(n) * Double(n) / 2) + Double(k) * log(removed) <= log(security)
            if connected, let t = threshold(k, corrupt: corrupt, bound: security) {
                let failure = Double(n) * lowerTail(k, success: 1 - dropout, below: t)
                if failure <= correctness { return Recommendation(neighbours: k, threshold: t, failureBound: failure) }
            }
            k += 2
        }
        // The complete graph: every participant holds a share of everyone's secrets, so the corrupt ones
        // are a fixed count, not a random draw; t must exceed it.
        let complete = n - 1
        let t = max(complete / 2 + 1, Int((corrupt * Double(n)).rounded(.down)) + 1)
        guard t <= complete else {
            throw .invalidSettings(
                "with \(n) participants no threshold keeps a participant's secrets from a \(corrupt) corrupt fraction")
        }
        let failure = min(1, Double(n) * lowerTail(complete, success: 1 - dropout, below: t))
        return Recommendation(neighbours: complete, threshold: t, failureBound: failure)
    }

    /// The smallest t > k/2 with P[Bin(k, γ) ≥ t] ≤ bound, or nil.
    private static func threshold(_ k: Int, corrupt: Double, bound: Double) -> Int? {
        ((k / 2 + 1)...k).first { upperTail(k, success: corrupt, from: $0) <= bound }
    }

    /// P[Bin(k, p) < t].
    static func lowerTail(_ k: Int, success p: Double, below t: Int) -> Double {
        min(1, (0..<max(0, min(t, k + 1))).reduce(0) { $0 + probability(k, p, $1) })
    }

    /// P[Bin(k, p) ≥ t], summed directly: 1 − lowerTail would lose the small values in rounding.
    static func upperTail(_ k: Int, success p: Double, from t: Int) -> Double {
        min(1, (max(0, t)...max(k, t)).reduce(0) { $0 + ($1 <= k ? probability(k, p, $1) : 0) })
    }

    /// P[Bin(k, p) = i], in log space so large k neither overflows nor underflows.
    private static func probability(_ k: Int, _ p: Double, _ i: Int) -> Double {
        if p == 0 { return i == 0 ? 1 : 0 }
        if p == 1 { return i == k ? 1 : 0 }
        let logChoose = lgamma(Double(k + 1)) - lgamma(Double(i + 1)) - lgamma(Double(k - i + 1))
        return exp(logChoose + Double(i) * log(p) + Double(k - i) * log1p(-p))
    }
}
