import Foundation

/// Choosing the noise: the inverse of ``RDPAccountant/epsilon(samplingRate:noiseMultiplier:steps:delta:orders:)``.
extension RDPAccountant {
    /// How far, relatively, ``noiseMultiplier(samplingRate:steps:delta:epsilon:orders:)`` may exceed the exact answer.
    public static let noiseMultiplierTolerance = 1e-4

    /// The largest noise multiplier the search tries before concluding that the target cannot be met.
    public static let maximumNoiseMultiplier = 1e6

    /// The smallest noise multiplier z such that `steps` runs of the subsampled Gaussian mechanism with sampling rate
    /// q are (ε, δ)-DP.
    ///
    /// Brackets z by doubling or halving from 1, bisects to a tenth of ``noiseMultiplierTolerance``, and rounds the
    /// upper end of the bracket up to six significant digits. The result always meets the target (it is checked) and,
    /// as ε is non-increasing in z, exceeds the exact answer by less than ``noiseMultiplierTolerance`` relatively.
    ///
    /// - Parameters:
    ///   - q: The sampling rate, in [0, 1].
    ///   - steps: How many times the mechanism runs, ≥ 0.
    ///   - delta: δ, in (0, 1).
    ///   - epsilon: The target ε, finite and > 0.
    ///   - orders: Rényi orders to account at, as for ``init(orders:)``.
    /// - Returns: The noise multiplier; 0 when no noise is needed (q = 0 or no steps).
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` when a parameter is out of range;
    ///   ``PrivacyError/unattainableTarget(_:)`` when even ``maximumNoiseMultiplier`` does not meet the target (a
    ///   very small ε with too few or too small orders).
    public static func noiseMultiplier(
        samplingRate q: Double, steps: Int, delta: Double, epsilon: Double, orders: [Double] = defaultOrders
    ) throws(PrivacyError) -> Double {
        try validate(samplingRate: q, noiseMultiplier: 0)
        try validate(steps: steps)
        try validate(orders: orders)
        guard delta > 0 && delta < 1 else { throw .invalidParameter("δ must be in (0, 1), got \(delta)") }
        guard epsilon > 0 && epsilon.isFinite else {
            throw .invalidParameter("the target ε must be finite and > 0, got \(epsilon)")
        }
        func meetsTarget(_ z: Double) -> Bool {
            let rdp = orders.map {
                Double(steps) * SampledGaussianRDP.rdp(samplingRate: q, noiseMultiplier: z, order: $0)
            }
            return RDPConversion.epsilon(orders: orders, rdp: rdp, delta: delta).epsilon <= epsilon
        }
        if q == 0 || steps == 0 { return 0 }

        // Bracket: `low` fails the target, `high` meets it.
        var low = 1.0
        var high = 1.0
        if meetsTarget(high) {
            repeat {
                low /= 2
                // ε grows without bound as z → 0; a target met even this far down is met by anything above 0.
                if low < 0x1p-30 { return low * 2 }
            } while meetsTarget(low)
            high = low * 2
        } else {
            repeat {
                low = high
                high *= 2
                guard high <= maximumNoiseMultiplier else {
                    throw .unattainableTarget(
                        "no noise multiplier up to \(Int(maximumNoiseMultiplier)) gives ε ≤ \(epsilon) at δ = \(delta) "
                            + "after \(steps) steps at q = \(q); try larger or more Rényi orders")
                }
            } while !meetsTarget(high)
        }
        // Bisect to a tenth of the tolerance, leaving the rest for rounding up to six significant digits.
        while high - low > noiseMultiplierTolerance / 10 * high {
            let middle = (low + high) / 2
            if meetsTarget(middle) { high = middle } else { low = middle }
        }
        let rounded = roundedUp(high, significantDigits: 6)
        return meetsTarget(rounded) ? rounded : high
    }

    /// The smallest number with `significantDigits` significant decimal digits that is ≥ x > 0, as the nearest
    /// `Double` (which prints as that short decimal) or, when that double falls below x, the next such number.
    static func roundedUp(_ x: Double, significantDigits: Int) -> Double {
        guard x > 0 && x.isFinite else { return x }
        let decimals = significantDigits - 1 - Int(log10(x).rounded(.down))
        guard abs(decimals) <= 22 else { return x }  // powers of ten beyond 10²² are not exact doubles
        let scale = pow(10, Double(abs(decimals)))
        var units = decimals >= 0 ? (x * scale).rounded(.up) : (x / scale).rounded(.up)
        func value() -> Double { decimals >= 0 ? units / scale : units * scale }
        if value() < x { units += 1 }
        return value()
    }
}
