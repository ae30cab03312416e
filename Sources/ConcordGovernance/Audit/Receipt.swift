/// A participant's countersignature of an audit entry it took part in: evidence, kept by the participant and
/// attached to the log, that the entry read as it does when the participant saw it.
///
/// The signed bytes are the canonical JSON of
/// `{"entry":HASH,"index":I,"participant":NAME,"schema":"concord.audit-receipt/v1"}`.
public struct Receipt: Sendable, Equatable {
    /// The schema string of the signed bytes.
    public static let schema = "concord.audit-receipt/v1"

    /// The countersigning participant's name.
    public var participant: String
    /// The entry's index.
    public var index: Int
    /// The entry's hash (``AuditEntry/hash``).
    public var entryHash: String
    /// The participant's signature.
    public var signature: Signature

    /// Creates a receipt from its parts.
    public init(participant: String, index: Int, entryHash: String, signature: Signature) {
        self.participant = participant
        self.index = index
        self.entryHash = entryHash
        self.signature = signature
    }

    /// The bytes a receipt signs.
    public static func signedBytes(participant: String, index: Int, entryHash: String) -> [UInt8] {
        CanonicalValue.object([
            "schema": .string(schema), "participant": .string(participant), "index": .integer(index),
            "entry": .string(entryHash),
        ]).canonicalBytes
    }

    /// Countersigns `entry` as `participant`, after checking the coordinator's signature on it and that the
    /// participant is one of its witnesses.
    ///
    /// - Throws: ``AuditLogError`` when the entry is not signed by `coordinator` or does not name the participant.
    public static func countersign(
        _ entry: AuditEntry, as participant: String, with identity: SigningIdentity, coordinator: PublicKey
    ) throws(AuditLogError) -> Receipt {
        guard entry.isSigned(by: coordinator) else {
            throw AuditLogError(index: entry.index, reason: "the coordinator's signature is missing or invalid")
        }
        guard entry.witnesses.contains(participant) else {
            throw AuditLogError(index: entry.index, reason: "'\(participant)' is not a witness of this entry")
        }
        let hash = entry.hash
        do {
            let signature = try identity.sign(
                signedBytes(participant: participant, index: entry.index, entryHash: hash))
            return Receipt(participant: participant, index: entry.index, entryHash: hash, signature: signature)
        } catch {
            throw AuditLogError(index: entry.index, reason: "\(error)")
        }
    }

    /// Whether the signature is `key`'s over this receipt's bytes.
    public func isValid(for key: PublicKey) -> Bool {
        key.isValidSignature(
            signature, for: Self.signedBytes(participant: participant, index: index, entryHash: entryHash))
    }

    /// The receipt as a participant keeps it (one line of canonical JSON).
    public var canonicalValue: CanonicalValue {
        .object([
            "schema": .string(Self.schema), "participant": .string(participant), "index": .integer(index),
            "entry": .string(entryHash), "signature": .string(signature.base64),
        ])
    }

    /// Reads a kept receipt.
    ///
    /// - Throws: ``AuditLogError`` when a field is missing or malformed.
    public init(canonicalValue value: CanonicalValue) throws(AuditLogError) {
        guard value["schema"]?.stringValue == Self.schema, let participant = value["participant"]?.stringValue,
            let index = value["index"]?.integerValue, let entry = value["entry"]?.stringValue,
            let signature = value["signature"]?.stringValue
        else {
            throw AuditLogError(
                index: nil, reason: "a receipt needs schema '\(Self.schema)', participant, index, entry and signature")
        }
        do {
            self.init(
                participant: participant, index: index, entryHash: entry, signature: try Signature(base64: signature))
        } catch {
            throw AuditLogError(index: index, reason: "receipt of '\(participant)': \(error)")
        }
    }
}
