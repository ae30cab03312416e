import ConcordFederation
import Foundation

/// What a participant of a real federation signs when it sends an update under a charter: that it sent the
/// parameters with this SHA-256 in this round under this charter. The coordinator writes the signature into the
/// round's `update_received` entry (`payload.receipt`), and verifiers check it with the participant's key in the
/// charter, so a coordinator cannot claim an update a participant never sent.
///
/// The signed bytes are the canonical JSON of
/// `{"charter":HASH,"participant":NAME,"round":R,"schema":"concord.update-receipt/v1","sha256":HASH}`.
public struct UpdateAttestation: Sendable, Equatable {
    /// The schema string of the signed bytes.
    public static let schema = "concord.update-receipt/v1"

    /// The charter's hash.
    public var charterHash: String
    /// The participant's name in the charter.
    public var participant: String
    /// The round.
    public var round: Int
    /// The SHA-256 of the update's parameters (``AuditRecorder/hash(_:)``).
    public var updateHash: String

    /// Creates an attestation.
    public init(charterHash: String, participant: String, round: Int, updateHash: String) {
        self.charterHash = charterHash
        self.participant = participant
        self.round = round
        self.updateHash = updateHash
    }

    /// The bytes the participant signs.
    public var signedBytes: [UInt8] {
        CanonicalValue.object([
            "schema": .string(Self.schema), "charter": .string(charterHash), "participant": .string(participant),
            "round": .integer(round), "sha256": .string(updateHash),
        ]).canonicalBytes
    }

    /// Signs the attestation.
    ///
    /// - Throws: ``KeyError`` when signing fails.
    public func sign(with identity: SigningIdentity) throws -> UpdateReceipt {
        UpdateReceipt(participant: participant, signature: try identity.sign(signedBytes).rawRepresentation)
    }

    /// Why `receipt` is not `key`'s signature of this attestation; nil when it is.
    public func problem(with receipt: UpdateReceipt, key: PublicKey) -> String? {
        guard receipt.participant == participant else {
            return "the receipt is signed as '\(receipt.participant)', not '\(participant)'"
        }
        guard let signature = try? Signature(rawRepresentation: receipt.signature) else {
            return "the receipt's signature is not 64 bytes"
        }
        guard key.isValidSignature(signature, for: signedBytes) else {
            return "the receipt's signature is not '\(participant)''s over round \(round)'s update "
                + "\(updateHash.prefix(16))… under charter \(charterHash.prefix(16))…"
        }
        return nil
    }
}
