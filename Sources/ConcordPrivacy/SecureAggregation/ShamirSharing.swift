/// t-of-n Shamir secret sharing (Shamir 1979) of byte strings over GF(2⁶¹ − 1).
///
/// A secret is cut into 32-bit limbs, and each limb is the constant term of its own random polynomial
/// of degree t − 1, so any t shares determine the secret and any t − 1 reveal nothing about it. The
/// share for a holder is the polynomials evaluated at the holder's x-coordinate (never 0).
enum ShamirSharing {
    /// One holder's share of a secret.
    struct Share: Equatable, Sendable, Codable {
        /// The evaluation point, distinct per holder and never 0.
        var x: UInt64
        /// One evaluation per 32-bit limb of the secret.
        var limbs: [UInt64]
    }

    /// Shares `secret` (whose length must be a multiple of 4) among the holders at `points`, any
    /// `threshold` of whom can reconstruct it.
    ///
    /// - Throws: ``SecureAggregationError/invalidSettings(_:)`` for a threshold outside 1…points, a
    ///   point that is 0, repeated or outside the field, or a secret not made of whole limbs.
    static func split<G: RandomNumberGenerator>(
        _ secret: [UInt8], threshold: Int, points: [UInt64], using generator: inout G
    ) throws(SecureAggregationError) -> [Share] {
        guard threshold >= 1, threshold <= points.count else {
            throw .invalidSettings("a threshold of \(threshold) with \(points.count) holders")
        }
        guard Set(points).count == points.count, points.allSatisfy({ $0 > 0 && $0 < MersenneField.modulus }) else {
            throw .invalidSettings("share points must be distinct, non-zero field elements")
        }
        guard !secret.isEmpty, secret.count % 4 == 0 else {
            throw .invalidSettings("a secret of \(secret.count) bytes is not a whole number of 32-bit limbs")
        }
        let limbCount = secret.count / 4
        var shares = points.map { Share(x: $0, limbs: []) }
        for limb in 0..<limbCount {
            var coefficients = [MersenneField(limbValue(secret, limb))]
            for _ in 1..<threshold { coefficients.append(MersenneField.random(using: &generator)) }
            for index in shares.indices {
                let x = MersenneField(shares[index].x)
                var y = MersenneField.zero
                for coefficient in coefficients.reversed() { y = y * x + coefficient }  // Horner
                shares[index].limbs.append(y.value)
            }
        }
        return shares
    }

    /// The secret `threshold` or more shares determine, by Lagrange interpolation at 0 from the first
    /// `threshold`; every further share must lie on the same polynomials.
    ///
    /// - Throws: ``SecureAggregationError/reconstructionFailed(_:)`` with fewer than `threshold` shares,
    ///   repeated points, shares of different lengths, extra shares that disagree, or limbs that do not
    ///   fit 32 bits (shares of something else).
    static func reconstruct(_ shares: [Share], threshold: Int) throws(SecureAggregationError) -> [UInt8] {
        guard threshold >= 1, shares.count >= threshold else {
            throw .reconstructionFailed("\(shares.count) shares, \(threshold) needed")
        }
        guard Set(shares.map(\.x)).count == shares.count, shares.allSatisfy({ $0.x > 0 }) else {
            throw .reconstructionFailed("shares with repeated or zero points")
        }
        let limbCount = shares[0].limbs.count
        guard limbCount > 0, shares.allSatisfy({ $0.limbs.count == limbCount }) else {
            throw .reconstructionFailed("shares of different lengths")
        }
        let basis = Array(shares.prefix(threshold))
        let xs = basis.map { MersenneField($0.x) }
        let atZero = lagrangeCoefficients(xs, at: .zero)
        let checks = shares.dropFirst(threshold).map {
            (share: $0, weights: lagrangeCoefficients(xs, at: MersenneField($0.x)))
        }
        var secret: [UInt8] = []
        secret.reserveCapacity(limbCount * 4)
        for limb in 0..<limbCount {
            let ys = basis.map { MersenneField($0.limbs[limb]) }
            for check in checks where combine(ys, check.weights).value != check.share.limbs[limb] {
                throw .reconstructionFailed("the share at point \(check.share.x) disagrees with the others")
            }
            let value = combine(ys, atZero).value
            guard value <= UInt64(UInt32.max) else {
                throw .reconstructionFailed("the shares do not encode 32-bit limbs")
            }
            withUnsafeBytes(of: UInt32(value).littleEndian) { secret.append(contentsOf: $0) }
        }
        return secret
    }

    /// The Lagrange basis polynomials through `xs`, evaluated at `x`: f(x) = Σ_i weights[i]·f(xs[i]).
    private static func lagrangeCoefficients(_ xs: [MersenneField], at x: MersenneField) -> [MersenneField] {
        xs.indices.map { i in
            var numerator = MersenneField.one, denominator = MersenneField.one
            for j in xs.indices where j != i {
                numerator = numerator * (x - xs[j])
                denominator = denominator * (xs[i] - xs[j])
            }
            // Distinct points make the denominator non-zero.
            return numerator * (denominator.inverse ?? .zero)
        }
    }

    private static func combine(_ ys: [MersenneField], _ weights: [MersenneField]) -> MersenneField {
        zip(ys, weights).reduce(MersenneField.zero) { $0 + $1.0 * $1.1 }
    }

    private static func limbValue(_ bytes: [UInt8], _ limb: Int) -> UInt64 {
        var value: UInt64 = 0
        for k in 0..<4 { value |= UInt64(bytes[4 * limb + k]) << (8 * k) }
        return value
    }
}
