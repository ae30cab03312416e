import Foundation

/// A Rényi-differential-privacy (RDP) accountant for the Poisson-subsampled Gaussian mechanism, the mechanism of
/// DP-SGD and of DP federated averaging: each step samples every record (or participant) with probability q and adds
/// Gaussian noise of standard deviation z × (L2 sensitivity).
///
/// The accountant keeps the RDP ε_α of everything composed so far at a fixed set of orders α; composition adds RDP.
/// ``epsilon(delta:)`` converts the curve to an (ε, δ) guarantee. The numbers match Google's `dp_accounting`
/// (`RdpAccountant`), from Mironov, Talwar & Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism"
/// (2019), for integer and fractional orders.
///
/// ```swift
/// var accountant = RDPAccountant()
/// try accountant.compose(samplingRate: 0.01, noiseMultiplier: 1.0, steps: 1000)
/// let (epsilon, order) = try accountant.epsilon(delta: 1e-5)  // ε ≈ 2.101 at order 7.8
/// ```
///
/// Infinite orders and RDP values are legitimate (ε_∞ = +∞ for the Gaussian mechanism); encode with a
/// `JSONEncoder` whose `nonConformingFloatEncodingStrategy` represents them.
public struct RDPAccountant: Sendable, Codable, Equatable {
    /// The orders `dp_accounting` uses by default: 1.1, 1.2, …, 10.9, then 11, 12, …, 63, then 128, 256, 512, 1024.
    public static let defaultOrders: [Double] = {
        let tenths: [Double] = (1..<100).map { 1 + Double($0) / 10 }
        let integers: [Double] = (11..<64).map { Double($0) }
        return tenths + integers + [128, 256, 512, 1024]
    }()

    /// The largest finite order accepted. The RDP at an integer order α is a sum of α + 1 terms, so the orders are
    /// bounded to keep every computation short; +∞ is accepted too.
    public static let maximumFiniteOrder = 100_000.0

    /// The Rényi orders α at which RDP is tracked, as given.
    public let orders: [Double]

    /// The RDP ε_α of everything composed so far, one value per entry of ``orders``; all zero initially.
    public private(set) var rdp: [Double]

    /// An empty accountant tracking ``defaultOrders``.
    public init() {
        orders = Self.defaultOrders
        rdp = Array(repeating: 0, count: orders.count)
    }

    /// An empty accountant tracking the given orders.
    ///
    /// - Parameter orders: Rényi orders, each greater than 1 and at most ``maximumFiniteOrder``, or +∞; at least one.
    ///   Orders up to 1.01 contribute to ε only through the KL-divergence bound.
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` for an empty list or an order out of range.
    public init(orders: [Double]) throws(PrivacyError) {
        try Self.validate(orders: orders)
        self.orders = orders
        rdp = Array(repeating: 0, count: orders.count)
    }

    /// Adds the privacy cost of `steps` runs of the subsampled Gaussian mechanism.
    ///
    /// - Parameters:
    ///   - q: The probability with which each record is sampled into a step, in [0, 1]; 1 is the plain Gaussian
    ///     mechanism.
    ///   - z: The noise multiplier: the noise's standard deviation over the L2 sensitivity, finite and ≥ 0
    ///     (0 means no noise, hence no privacy unless q = 0).
    ///   - steps: How many times the mechanism runs, ≥ 0.
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` when a parameter is out of range; the accountant is then
    ///   unchanged.
    public mutating func compose(
        samplingRate q: Double, noiseMultiplier z: Double, steps: Int = 1
    ) throws(PrivacyError) {
        try Self.validate(steps: steps)
        let step = try Self.rdp(samplingRate: q, noiseMultiplier: z, orders: orders)
        guard steps > 0 else { return }
        for index in rdp.indices { rdp[index] += Double(steps) * step[index] }
    }

    /// The (ε, δ)-DP guarantee of everything composed so far: the smallest ε over the tracked orders.
    ///
    /// - Parameter delta: δ ∈ [0, 1]. With δ = 0, ε is 0 if nothing private was composed and +∞ otherwise, and the
    ///   order reported is 0.
    /// - Returns: ε (≥ 0, +∞ if no order gives a finite bound) and the order at which it is attained.
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` when δ is outside [0, 1].
    public func epsilon(delta: Double) throws(PrivacyError) -> (epsilon: Double, order: Double) {
        try Self.validate(delta: delta)
        return RDPConversion.epsilon(orders: orders, rdp: rdp, delta: delta)
    }

    /// The RDP of one step of the subsampled Gaussian mechanism at each order.
    ///
    /// - Parameters:
    ///   - q: The sampling rate, in [0, 1].
    ///   - z: The noise multiplier, finite and ≥ 0.
    ///   - orders: Rényi orders, as for ``init(orders:)``.
    /// - Returns: One value per order: 0 when q = 0; +∞ at order ∞ or when z = 0 (q > 0); α / (2z²) when q = 1;
    ///   +∞ at a fractional order whose series does not converge.
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` when a parameter is out of range.
    public static func rdp(
        samplingRate q: Double, noiseMultiplier z: Double, orders: [Double] = defaultOrders
    )
        throws(PrivacyError) -> [Double]
    {
        try validate(samplingRate: q, noiseMultiplier: z)
        try validate(orders: orders)
        return orders.map { SampledGaussianRDP.rdp(samplingRate: q, noiseMultiplier: z, order: $0) }
    }

    /// The ε after `steps` runs of the subsampled Gaussian mechanism, at δ.
    ///
    /// - Parameters:
    ///   - q: The sampling rate, in [0, 1].
    ///   - z: The noise multiplier, finite and ≥ 0.
    ///   - steps: How many times the mechanism runs, ≥ 0.
    ///   - delta: δ ∈ [0, 1].
    ///   - orders: Rényi orders to minimise over, as for ``init(orders:)``.
    /// - Returns: The smallest ε over the orders (≥ 0, possibly +∞).
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` when a parameter is out of range.
    public static func epsilon(
        samplingRate q: Double, noiseMultiplier z: Double, steps: Int, delta: Double,
        orders: [Double] = defaultOrders
    ) throws(PrivacyError) -> Double {
        var accountant = try RDPAccountant(orders: orders)
        try accountant.compose(samplingRate: q, noiseMultiplier: z, steps: steps)
        return try accountant.epsilon(delta: delta).epsilon
    }

    private enum CodingKeys: String, CodingKey {
        case orders, rdp
    }

    /// Decodes an accountant, checking the orders as ``init(orders:)`` does and that there is one RDP value per order.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let orders = try container.decode([Double].self, forKey: .orders)
        let rdp = try container.decode([Double].self, forKey: .rdp)
        do {
            try Self.validate(orders: orders)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .orders, in: container, debugDescription: "\(error)")
        }
        guard rdp.count == orders.count, !rdp.contains(where: \.isNaN) else {
            throw DecodingError.dataCorruptedError(
                forKey: .rdp, in: container,
                debugDescription: "expected \(orders.count) RDP values (one per order, none NaN), found \(rdp)")
        }
        self.orders = orders
        self.rdp = rdp
    }
}
