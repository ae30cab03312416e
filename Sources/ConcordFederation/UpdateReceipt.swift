import Foundation

/// A participant's signature over the update it sends, under the round's charter: what it attests to is
/// ConcordGovernance's (`UpdateAttestation`); the coordinator writes it into the round's audit log.
public struct UpdateReceipt: Sendable, Equatable, Codable {
    /// The participant's name in the charter.
    public var participant: String
    /// Its signature (Ed25519, 64 bytes) over the attestation's signed bytes.
    public var signature: Data

    /// Creates a receipt.
    public init(participant: String, signature: Data) {
        self.participant = participant
        self.signature = signature
    }
}
