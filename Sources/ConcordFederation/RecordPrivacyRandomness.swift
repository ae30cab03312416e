import ConcordNN

/// Where a participant's record-level DP-SGD draws its randomness: who is sampled into each step and the noise.
///
/// Both must be unpredictable to everyone else for the privacy guarantee to hold (the accounting assumes the
/// samples are secret, and known noise can be subtracted), so they never come from the run's seed. ConcordPrivacy's
/// `SecureRecordPrivacyRandomness` reads the operating system's cryptographically secure generator; tests may
/// pass a seeded one.
public protocol RecordPrivacyRandomness: Sendable {
    /// A generator for the Poisson sampling of records into steps.
    func makeSampler() -> any RandomNumberGenerator
    /// The Gaussian noise added to every step's clipped gradient sum.
    func makeNoise() -> any GradientNoise
}
