#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A clip norm that follows a quantile of the participants' update norms, estimated privately:
/// Andrew, Thakkar, McMahan and Ramaswamy 2021, "Differentially Private Learning with Adaptive
/// Clipping" (NeurIPS; arXiv:1905.03871), geometric update.
///
/// Each round, participant i reports the bit `bᵢ = 1` when its update norm is at most the current
/// clip norm C (its update was *not* clipped; ``isUnclipped(norm:)``), else 0. The server releases
/// the noisy fraction of unclipped updates
///
///     b̃ = (Σ (bᵢ − ½) + N(0, σ_b²)) / m + ½,
///
/// with m the expected number of participants, and moves the clip norm geometrically:
///
///     C ← C · exp(−η_C · (b̃ − γ)).
///
/// When more than a fraction γ of updates fit under C, C shrinks; when fewer do, it grows; the
/// fixed point is the γ-quantile of the norm distribution. Feeding the *clipped* fraction instead
/// (as Flower's adaptive-clipping strategies do) reverses the sign of the feedback: C then runs
/// away from the quantile towards 0 or infinity.
///
/// Centring each bit at ½ is what the privacy analysis uses: adding or removing one participant
/// changes `Σ (bᵢ − ½)` by exactly ½, so the count query has sensitivity ½ (TensorFlow Privacy's
/// `QuantileEstimatorQuery` does the same). When m participants report, `b̃` equals the paper's
/// `(Σ bᵢ + N(0, σ_b²)) / m`. `b̃` is clamped to [0, 1] before the step (post-processing, as
/// TensorFlow Privacy does), so one round changes C by at most a factor `exp(η_C)`.
///
/// Paper defaults: γ = 0.5 (the median), η_C = 0.2, σ_b = m / 20.
public struct AdaptiveClipping: Sendable, Codable, Equatable {
    /// The current clip norm C; always positive and finite.
    public private(set) var clipNorm: Double
    /// The target quantile γ in (0, 1): the fraction of updates meant to fit under C.
    public let targetQuantile: Double
    /// The learning rate η_C of the geometric update (0 keeps C fixed).
    public let learningRate: Double
    /// The standard deviation σ_b of the Gaussian noise on the count of unclipped updates.
    public let countNoiseStandardDeviation: Double

    /// The paper's learning rate for the geometric update, η_C = 0.2.
    public static let defaultLearningRate = 0.2

    /// Adaptive clipping starting from `clipNorm`, or nil when a setting is out of range.
    ///
    /// - Parameters:
    ///   - clipNorm: the initial C, positive and finite.
    ///   - targetQuantile: γ, strictly between 0 and 1 (0.5 clips to the median norm).
    ///   - learningRate: η_C, non-negative and finite.
    ///   - countNoiseStandardDeviation: σ_b, non-negative and finite; see
    ///     ``recommendedCountNoiseStandardDeviation(expectedParticipants:)``. σ_b = 0 releases the
    ///     count without privacy.
    public init?(
        clipNorm: Double, targetQuantile: Double = 0.5, learningRate: Double = AdaptiveClipping.defaultLearningRate,
        countNoiseStandardDeviation: Double
    ) {
        guard clipNorm > 0, clipNorm.isFinite,
            targetQuantile > 0, targetQuantile < 1,
            learningRate >= 0, learningRate.isFinite,
            countNoiseStandardDeviation >= 0, countNoiseStandardDeviation.isFinite
        else { return nil }
        self.clipNorm = clipNorm
        self.targetQuantile = targetQuantile
        self.learningRate = learningRate
        self.countNoiseStandardDeviation = countNoiseStandardDeviation
    }

    /// The paper's σ_b = m / 20 for `m` expected participants per round.
    public static func recommendedCountNoiseStandardDeviation(expectedParticipants m: Double) -> Double {
        m / 20
    }

    /// Whether an update of L2 norm `norm` counts as unclipped under the current clip norm
    /// (`norm ≤ C`): the bit bᵢ a participant reports. NaN and infinite norms count as clipped,
    /// as ``L2Clipping`` zeroes such vectors.
    public func isUnclipped(norm: Double) -> Bool {
        norm <= clipNorm
    }

    /// One round of the geometric update from the participants' bits.
    ///
    /// Draws one N(0, σ_b²) sample from `noise` and sets
    /// `C ← C · exp(−η_C · (b̃ − γ))` with `b̃ = clamp((unclippedCount − participantCount/2 + noise) / m + ½, 0, 1)`.
    /// C is kept within the positive finite doubles.
    ///
    /// - Parameters:
    ///   - unclippedCount: Σ bᵢ, the number of this round's updates whose norm was at most C
    ///     (``isUnclipped(norm:)``); *not* the number that were clipped.
    ///   - participantCount: how many updates the bits came from.
    ///   - m: the expected number of participants per round, the public denominator.
    ///   - noise: the source of the count's noise; ``SecureGaussianNoise`` outside tests.
    /// - Returns: the noisy unclipped fraction b̃ used for the step, or nil (C unchanged, no noise
    ///   drawn) when the counts are inconsistent (negative, or more unclipped than participants) or
    ///   `m` is not positive and finite.
    @discardableResult
    public mutating func update<Source>(
        unclippedCount: Int, participantCount: Int, expectedParticipants m: Double,
        noise: inout GaussianNoise<Source>
    ) -> Double? {
        guard unclippedCount >= 0, participantCount >= unclippedCount, m > 0, m.isFinite else { return nil }
        let centred = Double(unclippedCount) - Double(participantCount) / 2
        let released = centred + noise.sample(standardDeviation: countNoiseStandardDeviation)
        let fraction = min(max(released / m + 0.5, 0), 1)
        let next = clipNorm * exp(-learningRate * (fraction - targetQuantile))
        clipNorm = min(max(next, .leastNormalMagnitude), .greatestFiniteMagnitude)
        return fraction
    }

    /// The noise multiplier z_Δ left for the clipped updates when the round as a whole must have
    /// noise multiplier `z` and the count is noised with σ_b:
    ///
    ///     z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2).
    ///
    /// Source: Andrew et al. 2021, the privacy analysis of adaptive clipping (one round of
    /// DP-FedAvg with adaptive clipping is as private as one round of fixed-clip DP-FedAvg with
    /// `z = (z_Δ⁻² + (2σ_b)⁻²)^(−1/2)`), solved for z_Δ. Derivation: the round releases the sum of
    /// clipped updates (sensitivity C, noise z_Δ·C) and the centred count (sensitivity ½,
    /// noise σ_b); dividing each by its noise gives one Gaussian mechanism with unit noise and
    /// sensitivity √(z_Δ⁻² + (2σ_b)⁻²). There is no m in it: m only rescales the released count.
    /// The same formula is in TensorFlow Privacy and Flower.
    ///
    /// - Returns: z_Δ (≥ z), 0 when z = 0 (no privacy asked for), or nil when `z` or `σ_b` is
    ///   negative or not finite, or when `2σ_b ≤ z` (the count alone would spend the whole budget).
    public static func updateNoiseMultiplier(total z: Double, countNoiseStandardDeviation sigmaB: Double) -> Double? {
        guard z >= 0, z.isFinite, sigmaB >= 0, sigmaB.isFinite else { return nil }
        if z == 0 { return 0 }
        guard 2 * sigmaB > z else { return nil }
        let remaining = 1 / (z * z) - 1 / (4 * sigmaB * sigmaB)
        guard remaining > 0 else { return nil }
        let result = 1 / remaining.squareRoot()
        return result.isFinite ? result : nil
    }

    /// The noise multiplier of the round as a whole, `z = (z_Δ⁻² + (2σ_b)⁻²)^(−1/2)`, for updates
    /// noised with multiplier `zDelta` and the count with σ_b: what a privacy accountant should be
    /// given. σ_b = 0 (an un-noised count) gives 0, no privacy; nil when an argument is negative or
    /// not finite.
    public static func totalNoiseMultiplier(
        updateNoiseMultiplier zDelta: Double, countNoiseStandardDeviation sigmaB: Double
    )
        -> Double?
    {
        guard zDelta >= 0, zDelta.isFinite, sigmaB >= 0, sigmaB.isFinite else { return nil }
        guard zDelta > 0, sigmaB > 0 else { return 0 }
        return 1 / (1 / (zDelta * zDelta) + 1 / (4 * sigmaB * sigmaB)).squareRoot()
    }

    private enum CodingKeys: String, CodingKey {
        case clipNorm, targetQuantile, learningRate, countNoiseStandardDeviation
    }

    /// Decodes the state, rejecting settings ``init(clipNorm:targetQuantile:learningRate:countNoiseStandardDeviation:)``
    /// would refuse.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let decoded = AdaptiveClipping(
            clipNorm: try container.decode(Double.self, forKey: .clipNorm),
            targetQuantile: try container.decode(Double.self, forKey: .targetQuantile),
            learningRate: try container.decode(Double.self, forKey: .learningRate),
            countNoiseStandardDeviation: try container.decode(Double.self, forKey: .countNoiseStandardDeviation))
        guard let decoded else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "adaptive clipping settings out of range"))
        }
        self = decoded
    }
}
