/// Record-level differential privacy for local training: DP-SGD (Abadi et al. 2016, "Deep Learning with
/// Differential Privacy", CCS).
///
/// Every step samples each of the node's records independently with probability q (Poisson sampling), clips
/// each sampled record's gradient to L2 norm C, adds N(0, σ²C²) to their sum and divides by the expected batch
/// size q·n. An epoch is round(1/q) such steps. The privacy of a run of them is what the RDP accountant of the
/// sampled Gaussian mechanism computes from q, σ and the number of steps.
public struct DPSGDConfiguration: Sendable, Equatable, Codable {
    /// The L2 norm C each record's gradient is clipped to.
    public var clipNorm: Double
    /// The noise multiplier σ: the noise's standard deviation over C.
    public var noiseMultiplier: Double
    /// The probability q with which each record is sampled into a step.
    public var samplingRate: Double

    /// Describes DP-SGD; check it with ``validate()``.
    public init(clipNorm: Double, noiseMultiplier: Double, samplingRate: Double) {
        self.clipNorm = clipNorm
        self.noiseMultiplier = noiseMultiplier
        self.samplingRate = samplingRate
    }

    /// Steps per epoch: round(1/q), at least 1.
    public var stepsPerEpoch: Int {
        guard samplingRate > 0, samplingRate.isFinite else { return 1 }
        return max(1, Int((1 / samplingRate).rounded()))
    }

    /// Checks the settings.
    ///
    /// - Throws: ``DPSGDError/invalidConfiguration(_:)`` for a clip norm that is not positive and finite, a noise
    ///   multiplier that is negative or not finite, or a sampling rate outside (0, 1].
    public func validate() throws(DPSGDError) {
        guard clipNorm > 0, clipNorm.isFinite else {
            throw .invalidConfiguration("the per-record clip norm must be positive and finite, got \(clipNorm)")
        }
        guard noiseMultiplier >= 0, noiseMultiplier.isFinite else {
            throw .invalidConfiguration("the noise multiplier must be ≥ 0 and finite, got \(noiseMultiplier)")
        }
        guard samplingRate > 0, samplingRate <= 1 else {
            throw .invalidConfiguration("the per-record sampling rate must be in (0, 1], got \(samplingRate)")
        }
    }
}

/// Why DP-SGD cannot run.
public enum DPSGDError: Error, Equatable, CustomStringConvertible {
    /// A setting is out of range.
    case invalidConfiguration(String)
    /// A layer with parameters cannot give per-example gradient norms.
    case unsupportedLayer(String)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .invalidConfiguration(let detail): "DP-SGD: \(detail)"
        case .unsupportedLayer(let layer):
            "DP-SGD: layer '\(layer)' has parameters but no per-example gradients (Dense and Conv2D have them)"
        }
    }
}
