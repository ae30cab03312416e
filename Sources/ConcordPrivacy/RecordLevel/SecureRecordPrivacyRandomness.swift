import ConcordFederation
import ConcordNN

/// ``GaussianNoise`` is DP-SGD's noise source.
extension GaussianNoise: GradientNoise {}

/// The production randomness of record-level DP-SGD: both the Poisson sampling of records and the noise read the
/// operating system's cryptographically secure generator (``SystemRandomBuffer``), never a seed.
public struct SecureRecordPrivacyRandomness: RecordPrivacyRandomness {
    /// The secure source.
    public init() {}

    /// Secure random words for sampling.
    public func makeSampler() -> any RandomNumberGenerator { SystemRandomBuffer() }

    /// ``SecureGaussianNoise``.
    public func makeNoise() -> any GradientNoise { SecureGaussianNoise() }
}
