import Crypto
import Foundation

/// The key derivations and share encryption of Concord's SecAgg+, version 1.
///
/// Both derived keys come from an X25519 agreement through HKDF-SHA256, salted with the round's session
/// and bound by the info string to the purpose, the round and the unordered pair of participants; share
/// ciphertexts are AES-256-GCM with the ordered (session, round, sender, receiver) as associated data.
enum SecureAggregationCrypto {
    static let label = "concord.secagg.v1"

    /// The X25519 public key in `bytes`.
    static func publicKey(
        _ bytes: [UInt8], of participant: Int
    ) throws(SecureAggregationError)
        -> Curve25519.KeyAgreement.PublicKey
    {
        do {
            return try Curve25519.KeyAgreement.PublicKey(rawRepresentation: bytes)
        } catch {
            throw .protocolViolation("participant \(participant) advertised a malformed public key")
        }
    }

    /// The 256-bit key for `purpose` between participants `a` and `b` (symmetric in a and b).
    static func pairKey(
        _ purpose: String, own: Curve25519.KeyAgreement.PrivateKey, peer: Curve25519.KeyAgreement.PublicKey,
        session: [UInt8], round: Int, between a: Int, and b: Int
    ) throws(SecureAggregationError) -> SymmetricKey {
        let secret: SharedSecret
        do {
            secret = try own.sharedSecretFromKeyAgreement(with: peer)
        } catch {
            throw .protocolViolation("no key agreement between participants \(a) and \(b): \(error)")
        }
        let info = "\(label)/\(purpose)/round=\(round)/pair=\(min(a, b)),\(max(a, b))"
        return secret.hkdfDerivedSymmetricKey(
            using: SHA256.self, salt: session, sharedInfo: Array(info.utf8), outputByteCount: 32)
    }

    /// The associated data binding a share to its session, round, sender and receiver.
    static func associatedData(session: [UInt8], round: Int, sender: Int, receiver: Int) -> [UInt8] {
        Array("\(label)/share/round=\(round)/from=\(sender)/to=\(receiver)/".utf8) + session
    }

    /// Seals `plaintext` for the pair.
    static func seal(
        _ plaintext: [UInt8], key: SymmetricKey, associatedData: [UInt8]
    ) throws(SecureAggregationError)
        -> [UInt8]
    {
        do {
            guard let combined = try AES.GCM.seal(plaintext, using: key, authenticating: associatedData).combined else {
                throw SecureAggregationError.protocolViolation("AES-GCM produced no combined ciphertext")
            }
            return Array(combined)
        } catch {
            throw .protocolViolation("sealing a share failed: \(error)")
        }
    }

    /// Opens a sealed share, or throws when it was tampered with, replayed or misaddressed.
    static func open(
        _ ciphertext: [UInt8], key: SymmetricKey, associatedData: [UInt8], from sender: Int
    )
        throws(SecureAggregationError) -> [UInt8]
    {
        do {
            return Array(
                try AES.GCM.open(AES.GCM.SealedBox(combined: ciphertext), using: key, authenticating: associatedData))
        } catch {
            throw .decryptionFailed(
                "the share from participant \(sender) does not open with this round's key and binding")
        }
    }
}
