import Foundation

/// The Rényi differential privacy of one step of the Poisson-subsampled Gaussian mechanism: each record joins the
/// batch with probability q, and Gaussian noise of standard deviation z × (L2 sensitivity) is added to the sum.
///
/// Follows Mironov, Talwar & Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism" (2019): the RDP at
/// order α is log(A_α) / (α − 1), where A_α is a finite binomial sum for an integer α (Section 3.2) and the sum of two
/// convergent series for a fractional α (Section 3.3). The arithmetic mirrors Google's `dp_accounting`
/// (`_compute_rdp_poisson_subsampled_gaussian`, `_compute_log_a_int`, `_compute_log_a_frac`) term for term.
enum SampledGaussianRDP {
    /// How many terms of the fractional-order series are summed before giving up; an order whose series has not
    /// converged by then gets an RDP of +∞ (a vacuous bound), as `dp_accounting` does.
    static let maximumFractionalTerms = 1000

    /// RDP of one step at `order`, for a validated sampling rate q ∈ [0, 1], noise multiplier z ≥ 0 and order > 1.
    ///
    /// - Returns: 0 when q = 0; +∞ when the order is ∞ or z = 0 (and q > 0); α / (2z²) when q = 1; otherwise
    ///   log(A_α) / (α − 1). A result that is not a number (only possible for extreme inputs) is reported as +∞.
    static func rdp(samplingRate q: Double, noiseMultiplier z: Double, order alpha: Double) -> Double {
        if q == 0 { return 0 }
        if alpha.isInfinite || z == 0 { return .infinity }
        if q == 1 { return alpha / (2 * z * z) }
        let logA: Double
        if let n = Int(exactly: alpha) {
            logA = logAInteger(samplingRate: q, noiseMultiplier: z, order: n)
        } else {
            logA = logAFractional(samplingRate: q, noiseMultiplier: z, order: alpha)
        }
        let value = logA / (alpha - 1)
        return value.isNaN ? .infinity : value
    }

    /// log(A_α) for an integer α and 0 < q < 1:
    /// A_α = Σᵢ₌₀..α C(α, i) qⁱ (1 − q)^(α − i) exp((i² − i) / (2z²)).
    static func logAInteger(samplingRate q: Double, noiseMultiplier z: Double, order alpha: Int) -> Double {
        let logQ = log(q)
        let log1MinusQ = log1p(-q)
        let twoVariance = 2 * (z * z)
        let n = Double(alpha)
        var logA = -Double.infinity
        for i in 0...max(alpha, 0) {
            let k = Double(i)
            let logCoefficient = LogSpace.logBinomial(n, k) + k * logQ + (n - k) * log1MinusQ
            logA = LogSpace.add(logA, logCoefficient + (k * k - k) / twoVariance)
        }
        return logA
    }

    /// log(A_α) for a fractional α and 0 < q < 1: the integral defining A_α is split at
    /// z₀ = z² log(1/q − 1) + 1/2 into two series, summed until both have decreasing terms that are more than
    /// e³⁰ below the running total.
    ///
    /// - Returns: +∞ when the series have not converged after `maximumFractionalTerms` terms.
    static func logAFractional(samplingRate q: Double, noiseMultiplier z: Double, order alpha: Double) -> Double {
        let logQ = log(q)
        let log1MinusQ = log1p(-q)
        let twoVariance = 2 * (z * z)
        // log(1/q − 1) written as log(1 − q) − log(q), which stays finite for q within an ulp of 1.
        let z0 = (z * z) * (log1MinusQ - logQ) + 0.5
        let scale = 2.0.squareRoot() * z
        let logHalf = log(0.5)
        var logA0 = -Double.infinity
        var logA1 = -Double.infinity
        var lastS0 = -Double.infinity
        var lastS1 = -Double.infinity
        for i in 0..<maximumFractionalTerms {
            let k = Double(i)
            let j = alpha - k
            let logCoefficient = LogSpace.logBinomial(alpha, k)
            let logT0 = logCoefficient + k * logQ + j * log1MinusQ
            let logT1 = logCoefficient + j * logQ + k * log1MinusQ
            let logE0 = logHalf + LogSpace.logErfc((k - z0) / scale)
            let logE1 = logHalf + LogSpace.logErfc((z0 - j) / scale)
            let logS0 = logT0 + (k * k - k) / twoVariance + logE0
            let logS1 = logT1 + (j * j - j) / twoVariance + logE1
            logA0 = LogSpace.add(logA0, logS0)
            logA1 = LogSpace.add(logA1, logS1)
            let total = LogSpace.add(logA0, logA1)
            if logS0 < lastS0 && logS1 < lastS1 && max(logS0, logS1) < total - 30 { return total }
            lastS0 = logS0
            lastS1 = logS1
        }
        return .infinity
    }
}
