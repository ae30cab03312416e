import ConcordTensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The random draws the partitioners and synthetic datasets are built from, every one taken
/// from a caller's ``SeededGenerator`` so that a partition or a dataset is reproducible from its seed.
///
/// - Gamma(shape, 1): Marsaglia and Tsang 2000, "A Simple Method for Generating Gamma Variables"
///   (ACM TOMS 26(3)), with their boost for shape < 1: `Gamma(a) = Gamma(a + 1) · U^(1/a)`.
/// - Dirichlet(α₁ … α_K): independent `Gamma(αᵢ, 1)` draws normalised to sum 1, as used by
///   Hsu, Qi and Brown 2019, "Measuring the Effects of Non-Identical Data Distribution for
///   Federated Visual Classification", to skew clients' class proportions.
/// - Lognormal(μ, σ): `exp(μ + σ Z)`, the device sizes of Li et al. 2020, "Federated Optimization in
///   Heterogeneous Networks" (FedProx).
///
/// The algorithms are written out here (rather than using the standard library's `shuffle` or
/// `random(in:)`) so that a seed gives the same partition on every platform and toolchain.
package enum RandomDistributions {
    /// A uniform draw from the open interval (0, 1) with 53 random bits (never exactly 0 or 1).
    package static func uniformOpen(using generator: inout SeededGenerator) -> Double {
        (Double(generator.next() >> 11) + 0.5) * 0x1p-53
    }

    /// A uniform integer in `0..<bound` without modulo bias (Lemire 2019, "Fast Random Integer
    /// Generation in an Interval"). Returns 0 when `bound <= 1`.
    package static func uniformInt(below bound: Int, using generator: inout SeededGenerator) -> Int {
        guard bound > 1 else { return 0 }
        let range = UInt64(bound)
        var product = generator.next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = generator.next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// Shuffles `elements` in place (Fisher–Yates, Durstenfeld's form), every swap drawn from `generator`.
    package static func shuffle<T>(_ elements: inout [T], using generator: inout SeededGenerator) {
        var remaining = elements.count
        while remaining > 1 {
            let pick = uniformInt(below: remaining, using: &generator)
            remaining -= 1
            if pick != remaining { elements.swapAt(pick, remaining) }
        }
    }

    /// A Gamma(`shape`, 1) draw (Marsaglia–Tsang 2000; shape < 1 through the boost
    /// `Gamma(a + 1) · U^(1/a)`).
    ///
    /// For very small shapes the result underflows to 0; ``logGamma(shape:using:)`` keeps those.
    /// - Parameter shape: Positive and finite; anything else returns `.nan`.
    package static func gamma(shape: Double, using generator: inout SeededGenerator) -> Double {
        exp(logGamma(shape: shape, using: &generator))
    }

    /// The natural logarithm of a Gamma(`shape`, 1) draw.
    ///
    /// Working in logarithms keeps the shape < 1 boost exact where the draw itself would underflow
    /// (`U^(1/a)` for `a = 0.001` is below the smallest double for most `U`), which is what makes
    /// ``dirichlet(_:using:)`` usable for tiny concentrations.
    /// - Parameter shape: Positive and finite; anything else returns `.nan`.
    package static func logGamma(shape: Double, using generator: inout SeededGenerator) -> Double {
        guard shape > 0, shape.isFinite else { return .nan }
        if shape < 1 {
            // Marsaglia–Tsang §6: if X ~ Gamma(a + 1) and U ~ U(0, 1), then X · U^(1/a) ~ Gamma(a).
            let boosted = marsagliaTsang(shape: shape + 1, using: &generator)
            return log(boosted) + log(uniformOpen(using: &generator)) / shape
        }
        return log(marsagliaTsang(shape: shape, using: &generator))
    }

    /// Marsaglia–Tsang's squeeze-and-reject sampler for shape ≥ 1: `d = a − 1/3`, `c = 1/√(9d)`,
    /// `v = (1 + cZ)³`; accept `d·v` when `U < 1 − 0.0331 Z⁴` or `log U < Z²/2 + d(1 − v + log v)`.
    private static func marsagliaTsang(shape: Double, using generator: inout SeededGenerator) -> Double {
        let d = shape - 1.0 / 3.0
        let c = 1.0 / (9.0 * d).squareRoot()
        while true {
            let z = generator.nextGaussian()
            let t = 1.0 + c * z
            guard t > 0 else { continue }
            let v = t * t * t
            let u = uniformOpen(using: &generator)
            let z2 = z * z
            if u < 1.0 - 0.0331 * z2 * z2 { return d * v }
            if log(u) < 0.5 * z2 + d * (1.0 - v + log(v)) { return d * v }
        }
    }

    /// A draw from Dirichlet(`concentration`): independent Gamma(αᵢ, 1) draws normalised to sum 1.
    ///
    /// Components with αᵢ = 0 (or any non-positive or non-finite αᵢ) get probability 0. The
    /// normalisation is done on logarithms (a log-sum-exp), so tiny concentrations give
    /// near-one-hot vectors instead of 0/0. If every component still underflows, the limit of the
    /// Dirichlet as all αᵢ → 0 is returned: a one-hot vector at component i with probability
    /// αᵢ / Σα. The result is all zeros only when no αᵢ is positive and finite.
    package static func dirichlet(_ concentration: [Double], using generator: inout SeededGenerator) -> [Double] {
        var logs = [Double](repeating: -.infinity, count: concentration.count)
        for (i, alpha) in concentration.enumerated() where alpha > 0 && alpha.isFinite {
            logs[i] = logGamma(shape: alpha, using: &generator)
        }
        let largest = logs.max() ?? -.infinity
        if largest.isFinite {
            var proportions = logs.map { exp($0 - largest) }
            let total = proportions.reduce(0, +)
            for i in proportions.indices { proportions[i] /= total }
            return proportions
        }
        var oneHot = [Double](repeating: 0, count: concentration.count)
        let weights = concentration.map { $0 > 0 && $0.isFinite ? $0 : 0 }
        if let pick = categorical(weights, using: &generator) { oneHot[pick] = 1 }
        return oneHot
    }

    /// A lognormal draw `exp(μ + σ Z)`, Z standard normal (numpy's `lognormal(mean, sigma)`).
    package static func lognormal(mu: Double, sigma: Double, using generator: inout SeededGenerator) -> Double {
        exp(mu + sigma * generator.nextGaussian())
    }

    /// An index drawn with probability proportional to `weights[i]` (negative and non-finite
    /// weights count as 0), or `nil` when no weight is positive.
    package static func categorical(_ weights: [Double], using generator: inout SeededGenerator) -> Int? {
        var total = 0.0
        for weight in weights where weight > 0 && weight.isFinite { total += weight }
        guard total > 0, total.isFinite else { return nil }
        let target = uniformOpen(using: &generator) * total
        var cumulative = 0.0
        var last: Int?
        for (i, weight) in weights.enumerated() where weight > 0 && weight.isFinite {
            cumulative += weight
            last = i
            if target < cumulative { return i }
        }
        return last  // rounding left `target` at the very top: the last positive weight
    }
}
