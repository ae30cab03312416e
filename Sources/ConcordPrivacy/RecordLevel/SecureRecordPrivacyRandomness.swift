import ConcordFederation
import ConcordNN

/// ``GaussianNoise`` is DP-SGD's noise source.
extension GaussianNoise: GradientNoise {}

/// The production randomness of record-level DP-SGD: both the Poisson sampling of records and the noise come from a
/// cryptographically secure generator (``KeystreamRandom``: AES-CTR under a key from the operating system), never a
/// seed.
public struct SecureRecordPrivacyRandomness: RecordPrivacyRandomness {
    /// The secure source.
    public init() {}

    /// Secure random words for sampling.
    public func makeSampler() -> any RandomNumberGenerator { KeystreamRandom() }

    /// Gaussian noise from a ``KeystreamRandom``, drawn in bulk (``BulkGaussianNoise``).
    public func makeNoise() -> any GradientNoise { BulkGaussianNoise(source: KeystreamRandom()) }
}
