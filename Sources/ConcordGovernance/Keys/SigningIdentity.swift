import Crypto
import Foundation

/// A private Ed25519 signing key: who signs a charter, an audit entry, a receipt or a release.
public struct SigningIdentity: Sendable {
    let key: Curve25519.Signing.PrivateKey

    /// A fresh key from the system's cryptographically secure generator.
    public static func generate() -> SigningIdentity {
        SigningIdentity(key: Curve25519.Signing.PrivateKey())
    }

    /// Reads a private key from its 32-byte seed (RFC 8032's private key).
    ///
    /// - Throws: ``KeyError/malformed(what:detail:)`` when there are not 32 bytes.
    public init(rawRepresentation: Data) throws(KeyError) {
        guard rawRepresentation.count == 32 else {
            throw .malformed(what: "an Ed25519 private key", detail: "\(rawRepresentation.count) bytes, expected 32")
        }
        do {
            key = try Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation)
        } catch {
            throw .malformed(what: "an Ed25519 private key", detail: "\(error)")
        }
    }

    init(key: Curve25519.Signing.PrivateKey) { self.key = key }

    /// The domain-separation label of ``simulated(seed:participant:)``.
    public static let simulatedKeyLabel = "concord.simulated-key/v1"

    /// A deterministic key for a **simulated** participant. NOT FOR PRODUCTION: anyone who knows the seed and the
    /// name knows the private key.
    ///
    /// The 32 private-key bytes are SHA-256( UTF-8 of ``simulatedKeyLabel`` ‖ 0x00 ‖ the seed as 8 bytes
    /// big-endian ‖ the UTF-8 of `participant` ), so a simulation signs reproducibly and its records verify
    /// like real ones.
    public static func simulated(seed: UInt64, participant: String) -> SigningIdentity {
        var bytes = Array(simulatedKeyLabel.utf8)
        bytes.append(0)
        withUnsafeBytes(of: seed.bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: participant.utf8)
        let seedBytes = Data(SHA256.hash(data: bytes))
        // 32 bytes are always a valid Ed25519 private key, so this cannot fail; fall back to a random key
        // rather than trap if a library ever disagreed.
        let key = (try? Curve25519.Signing.PrivateKey(rawRepresentation: seedBytes)) ?? Curve25519.Signing.PrivateKey()
        return SigningIdentity(key: key)
    }

    /// The 32-byte private key (keep it secret).
    public var rawRepresentation: Data { key.rawRepresentation }

    /// The matching public key.
    public var publicKey: PublicKey { PublicKey(key.publicKey) }

    /// Signs exactly `bytes`.
    ///
    /// - Throws: ``KeyError/signingFailed(_:)`` if the cryptographic library fails.
    public func sign(_ bytes: some DataProtocol) throws(KeyError) -> Signature {
        let raw: Data
        do {
            raw = try key.signature(for: bytes)
        } catch {
            throw .signingFailed("\(error)")
        }
        return try Signature(rawRepresentation: raw)
    }
}
