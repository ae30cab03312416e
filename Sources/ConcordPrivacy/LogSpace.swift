import Foundation

/// Arithmetic on positive numbers held as their natural logarithms, so that sums of terms far outside the range of
/// `Double` (the moments of the subsampled Gaussian mechanism reach e^1000 and beyond) neither overflow nor underflow.
///
/// Zero is `-.infinity`. The functions follow the helpers of Google's `dp_accounting` (`_log_add`, `_log_sub_sign`,
/// `_log_erfc`, `_log_comb`) so that the accountant reproduces its numbers.
enum LogSpace {
    /// log(e^a + e^b).
    ///
    /// Factors out the larger term, so the result is exact when one of the two is zero (`-.infinity`) and never
    /// overflows on the way.
    static func add(_ a: Double, _ b: Double) -> Double {
        let (small, large) = a < b ? (a, b) : (b, a)
        if small == -.infinity || large == .infinity { return large }
        return log1p(exp(small - large)) + large
    }

    /// log|e^a − e^b| and whether e^a − e^b is non-negative.
    ///
    /// Equal arguments give a magnitude of `-.infinity` (a difference of zero), reported as non-negative.
    static func subtract(_ a: Double, _ b: Double) -> (isNonNegative: Bool, magnitude: Double) {
        if a > b { return (true, a + log1p(-exp(b - a))) }
        if a < b { return (false, b + log1p(-exp(a - b))) }
        return (true, -.infinity)
    }

    /// log(erfc(x)), accurate where erfc(x) itself underflows.
    ///
    /// Below `asymptoticThreshold` erfc is a normal double with full relative precision and its logarithm is taken
    /// directly. Above it, the asymptotic expansion
    /// erfc(x) = e^(−x²) / (x √π) · Σₙ (−1)ⁿ (2n − 1)!! / (2x²)ⁿ
    /// is summed in log space; at x ≥ 20 its terms fall below 10⁻¹⁷ within ten terms.
    static func logErfc(_ x: Double) -> Double {
        if !(x >= asymptoticThreshold) { return log(erfc(x)) }
        let twoXSquared = 2 * x * x
        var sum = 1.0
        var term = 1.0
        for n in 1...30 {
            term *= -Double(2 * n - 1) / twoXSquared
            sum += term
            if abs(term) < 1e-17 { break }
        }
        return -x * x - log(x) - 0.5 * log(Double.pi) + log(sum)
    }

    /// Where `logErfc` switches from `log(erfc(x))` to the asymptotic series: erfc(20) ≈ 5·10⁻¹⁷⁶ is still a normal
    /// double, while erfc becomes subnormal (and loses precision) near x = 26.5.
    static let asymptoticThreshold = 20.0

    /// log of the binomial coefficient C(n, k) = Γ(n + 1) / (Γ(k + 1) Γ(n − k + 1)), for real n and k.
    ///
    /// For a fractional n and k > n + 1 the coefficient can be negative; this is then the log of its magnitude, as in
    /// the fractional-order series of Mironov, Talwar & Zhang (2019). For an integer n and an integer k > n it is
    /// `-.infinity` (the coefficient is zero).
    static func logBinomial(_ n: Double, _ k: Double) -> Double {
        lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)
    }
}
