import Foundation

/// Conversion of an RDP curve (ε_α at each order α) to an (ε, δ)-differential-privacy guarantee.
///
/// Uses the bound of Canonne, Kamath & Steinke (2020, Proposition 12 of arXiv:2004.00010 v4, also Asoodeh et al.
/// 2020), which is tighter than the classic ε_α + log(1/δ)/(α − 1):
/// ε = ε_α + log((α − 1)/α) − (log δ + log α)/(α − 1), minimised over the orders,
/// together with the bound through the KL divergence (δ > √(1 − e^(−ε_α)) allows ε = 0), with the edge cases of
/// `dp_accounting`'s `compute_epsilon`.
enum RDPConversion {
    /// The smallest ε over the orders, and the order attaining it.
    ///
    /// Expects validated input: orders > 1 (or +∞), as many RDP values as orders, δ ∈ [0, 1].
    /// - δ = 0: ε is 0 if every RDP value is 0 and +∞ otherwise; no order applies and 0 is reported, as in
    ///   `dp_accounting`.
    /// - A negative RDP value (numerical noise from extreme inputs) gives ε = 0 at that order, as in `dp_accounting`;
    ///   a value that is not a number counts as +∞.
    /// - Orders up to 1.01 use only the KL bound: the general bound is numerically unstable as α → 1.
    /// - The order +∞ gives ε = ε_∞, the limit of the bound (where `dp_accounting`'s formula evaluates ∞/∞).
    /// - Ties go to the first order; if every order gives +∞, the first order is reported.
    /// - The result is clamped at 0.
    static func epsilon(orders: [Double], rdp: [Double], delta: Double) -> (epsilon: Double, order: Double) {
        if delta == 0 { return (rdp.allSatisfy { $0 == 0 } ? 0 : .infinity, 0) }
        var best = (epsilon: Double.infinity, order: orders.first ?? 0)
        for (alpha, value) in zip(orders, rdp) {
            let epsilon = epsilon(order: alpha, rdp: value, delta: delta)
            if epsilon < best.epsilon { best = (epsilon, alpha) }
        }
        return (max(0, best.epsilon), best.order)
    }

    /// The (ε, δ) bound from the RDP value at one order; δ > 0.
    private static func epsilon(order alpha: Double, rdp value: Double, delta: Double) -> Double {
        if value.isNaN { return .infinity }
        if value < 0 { return 0 }
        if delta * delta + expm1(-value) > 0 { return 0 }
        if alpha.isInfinite { return value }
        if alpha > 1.01 { return value + log1p(-1 / alpha) - log(delta * alpha) / (alpha - 1) }
        return .infinity
    }
}
