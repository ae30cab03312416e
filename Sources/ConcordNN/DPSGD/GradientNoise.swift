/// Where DP-SGD's Gaussian noise comes from.
///
/// ConcordPrivacy's `GaussianNoise` conforms; in production its source is the operating system's
/// cryptographically secure generator. Tests may pass a seeded one.
public protocol GradientNoise {
    /// Adds independent N(0, σ²) noise to every entry of `values`; σ = 0 leaves them unchanged.
    mutating func add(standardDeviation: Double, to values: UnsafeMutableBufferPointer<Float>)
}
