import Crypto
import Foundation

/// A run's secret key for the noise of the Gaussian mechanism: round r's noise is the keystream of a key derived
/// from it and r (HKDF-SHA256, then AES-256-CTR through ``KeystreamRandom``), so a round computed again after the
/// coordinator was killed releases exactly the noise, and so the model, it would have released the first time.
///
/// Drawing fresh noise for a round computed again would be worse, not only irreproducible: had the first
/// attempt's release escaped, two independent noisings of one sum spend the round's privacy twice. A round's
/// release is the aggregate the coordinator commits, and it commits each round once, so one noise per round is
/// one release per round. The key is as secret as the clipped sum the coordinator sees before noising it
/// (with central DP the coordinator is trusted with that sum): whoever holds it can take the noise out of every
/// released model. It lives in the run's store, never in the configuration, the log or the audit record.
public struct RunNoiseKey: Sendable, Equatable {
    /// The key's length in bytes.
    public static let byteCount = 32
    /// The key.
    public let bytes: [UInt8]

    /// A fresh key from the operating system's cryptographically secure generator.
    public init() {
        var source = SystemRandomBuffer()
        var bytes = [UInt8]()
        bytes.reserveCapacity(Self.byteCount)
        for _ in 0..<(Self.byteCount / 8) { withUnsafeBytes(of: source.next()) { bytes.append(contentsOf: $0) } }
        self.bytes = bytes
    }

    /// A key from its bytes (as a store keeps them).
    ///
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` unless there are ``byteCount`` of them.
    public init(bytes: [UInt8]) throws(PrivacyError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidParameter("a run's noise key is \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// The noise of round `round`: the same for the same key and round, independent across rounds.
    public func noise(round: Int) -> GaussianNoise<KeystreamRandom> {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: bytes), info: Data("concord dp noise v1 round \(round)".utf8),
            outputByteCount: 32)
        return GaussianNoise(source: KeystreamRandom(key: key))
    }
}
