#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Gaussian noise for the Gaussian mechanism, drawn from a random source the caller chooses.
///
/// In production the source is ``SystemRandomBuffer`` (``init()``, ``SecureGaussianNoise``): the
/// operating system's cryptographically secure generator (`/dev/urandom` on Linux, `arc4random` on
/// Apple platforms), read in blocks, with no seed anywhere. A differential-privacy guarantee assumes the adversary
/// cannot predict the noise; with a seeded, non-cryptographic generator such as `SeededGenerator`
/// anyone who learns or guesses the seed (or recovers the state from outputs) can subtract the
/// noise exactly and the guarantee is void. Seeded sources are for tests and reproducible
/// experiments only (``init(source:)``).
///
/// Normal draws use Marsaglia's polar method on uniforms with 53 random bits, keeping both
/// outputs of each accepted pair: `u, v` uniform on (−1, 1), rejected unless `0 < s = u² + v² < 1`,
/// then `u·√(−2 ln s / s)` and `v·√(−2 ln s / s)` are independent standard normals.
///
/// Caveat: this is a floating-point sampler, and the privacy proofs are about real-valued noise.
/// Mironov (2012, "On Significance of the Least Significant Bits for Differential Privacy", CCS)
/// showed that floating-point implementations of the Laplace mechanism leak the input through
/// which doubles can and cannot be output, and the same kind of attack applies to Gaussian
/// samplers built this way. This type does not defend against it (no snapping, no discrete
/// Gaussian); its guarantee is that of the idealised mechanism, not a proof for this code.
public struct GaussianNoise<Source: RandomNumberGenerator> {
    private var source: Source
    /// The second output of the last polar-method pair, returned by the next draw.
    private var spare: Double?

    /// Noise drawn from `source`. Pass a seeded generator only in tests and reproducible
    /// simulations: privacy needs an unpredictable source (``init()``).
    public init(source: Source) {
        self.source = source
        self.spare = nil
    }

    /// A standard normal draw (mean 0, variance 1).
    public mutating func standardNormal() -> Double {
        if let value = spare {
            spare = nil
            return value
        }
        while true {
            let u = uniformSigned(), v = uniformSigned()
            let s = u * u + v * v
            guard s < 1, s > 0 else { continue }
            let factor = (-2 * log(s) / s).squareRoot()
            spare = v * factor
            return u * factor
        }
    }

    /// A draw from N(0, σ²).
    ///
    /// σ is used through its magnitude (N(0, σ²) and N(0, (−σ)²) are one distribution); σ = 0
    /// gives 0. A NaN or infinite σ gives a non-finite draw: conspicuous, never less noise than
    /// asked for.
    public mutating func sample(standardDeviation: Double) -> Double {
        standardDeviation.magnitude * standardNormal()
    }

    /// Adds independent N(0, σ²) noise to every entry of `v`, computing each sum in Double before
    /// rounding it to Float. σ is treated as in ``sample(standardDeviation:)``; σ = 0 leaves `v`
    /// unchanged and draws nothing.
    public mutating func add(standardDeviation: Double, to v: UnsafeMutableBufferPointer<Float>) {
        guard standardDeviation != 0 else { return }
        let sigma = standardDeviation.magnitude
        for i in v.indices { v[i] = Float(Double(v[i]) + sigma * standardNormal()) }
    }

    /// Adds independent N(0, σ²) noise to every entry of `v`, as for the buffer overload.
    public mutating func add(standardDeviation: Double, to v: inout [Float]) {
        v.withUnsafeMutableBufferPointer { add(standardDeviation: standardDeviation, to: $0) }
    }

    /// A uniform double in [−1, 1): a signed 54-bit integer (53 bits of magnitude) scaled by 2⁻⁵³,
    /// every value exactly representable.
    private mutating func uniformSigned() -> Double {
        Double(Int64(bitPattern: source.next()) >> 10) * 0x1p-53
    }
}

extension GaussianNoise: Sendable where Source: Sendable {}

extension GaussianNoise where Source == SystemRandomBuffer {
    /// Noise from the operating system's cryptographically secure generator: the production
    /// source, unseeded and unpredictable.
    public init() {
        self.init(source: SystemRandomBuffer())
    }
}

/// Gaussian noise from the operating system's cryptographically secure generator, the only
/// source privacy noise should come from outside tests.
public typealias SecureGaussianNoise = GaussianNoise<SystemRandomBuffer>
