import Foundation

/// One entry of the audit log: what happened, when, chained to the entry before it, signed by the coordinator and
/// countersigned by the participants it names as witnesses.
///
/// The *body* is the canonical JSON object
/// `{"index","kind","payload","previous","schema","timestamp","witnesses"}`; the coordinator signs its bytes
/// (``bodyBytes``). The *signed entry* is the body plus the member `signature`; ``hash`` is the SHA-256 of its bytes,
/// the next entry's `previous`, so the chain commits to every body and every coordinator signature. Receipts sign
/// ``Receipt/signedBytes(participant:index:entryHash:)`` over ``hash``. Stored, an entry is one line: the signed entry
/// plus the member `receipts`.
public struct AuditEntry: Sendable, Equatable {
    /// The schema string of an entry's body.
    public static let schema = "concord.audit-entry/v1"

    /// What an entry records.
    public struct Kind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The kind's name in the log.
        public var rawValue: String
        /// A kind by name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The name.
        public var description: String { rawValue }

        /// A run began (its request and charter).
        public static let runStarted = Kind(rawValue: "run_started")
        /// A round's mechanism parameters were fixed.
        public static let roundConfigured = Kind(rawValue: "round_configured")
        /// A round's participants were sampled.
        public static let participantsChosen = Kind(rawValue: "participants_chosen")
        /// A participant's update arrived (with its SHA-256).
        public static let updateReceived = Kind(rawValue: "update_received")
        /// A round's aggregate was computed (with its SHA-256).
        public static let aggregateProduced = Kind(rawValue: "aggregate_produced")
        /// The privacy spent after a round.
        public static let epsilonSpent = Kind(rawValue: "epsilon_spent")
        /// A model was released (its SHA-256).
        public static let modelReleased = Kind(rawValue: "model_released")
        /// The log is complete: the last entry, stating how many entries there are.
        public static let sealed = Kind(rawValue: "log_sealed")
    }

    /// The position in the log, from 0.
    public var index: Int
    /// When the entry was written: ISO 8601 in UTC, `2025-01-31T12:00:00.000Z`.
    public var timestamp: String
    /// What the entry records.
    public var kind: Kind
    /// The details, by kind (see ``AuditEvent``).
    public var payload: CanonicalValue
    /// The hash of the previous entry; 64 zeros for the first.
    public var previousHash: String
    /// The participants whose receipts the entry needs.
    public var witnesses: [String]
    /// The coordinator's signature over ``bodyBytes``.
    public var signature: Signature?
    /// The participants' receipts, in order of participant name.
    public var receipts: [Receipt]

    /// Creates an unsigned entry.
    public init(
        index: Int, timestamp: String, kind: Kind, payload: CanonicalValue, previousHash: String,
        witnesses: [String] = [], signature: Signature? = nil, receipts: [Receipt] = []
    ) {
        self.index = index
        self.timestamp = timestamp
        self.kind = kind
        self.payload = payload
        self.previousHash = previousHash
        self.witnesses = witnesses
        self.signature = signature
        self.receipts = receipts
    }

    /// The body: what the coordinator signs.
    public var body: CanonicalValue {
        .object([
            "schema": .string(Self.schema), "index": .integer(index), "timestamp": .string(timestamp),
            "kind": .string(kind.rawValue), "payload": payload, "previous": .string(previousHash),
            "witnesses": .array(witnesses.map { .string($0) }),
        ])
    }

    /// The canonical bytes of ``body``: what the coordinator's ``signature`` is over.
    public var bodyBytes: [UInt8] { body.canonicalBytes }

    /// The signed entry: the body plus `signature` (null when unsigned).
    public var signedEntry: CanonicalValue {
        guard case .object(var members) = body else { return body }
        members["signature"] = signature.map { .string($0.base64) } ?? .null
        return .object(members)
    }

    /// The entry's hash: the SHA-256 (lowercase hex) of the canonical bytes of ``signedEntry``. The next entry's
    /// `previous`, the log's head, and what receipts countersign.
    public var hash: String { signedEntry.sha256 }

    /// Whether ``signature`` is `coordinator`'s valid signature over ``bodyBytes``.
    public func isSigned(by coordinator: PublicKey) -> Bool {
        guard let signature else { return false }
        return coordinator.isValidSignature(signature, for: bodyBytes)
    }

    /// The stored form: ``signedEntry`` plus `receipts` (`[{"participant":…,"signature":…}]`, in order of
    /// participant name).
    public var line: CanonicalValue {
        guard case .object(var members) = signedEntry else { return signedEntry }
        members["receipts"] = .array(
            receipts.map {
                .object(["participant": .string($0.participant), "signature": .string($0.signature.base64)])
            })
        return .object(members)
    }

    static let lineKeys: Set<String> = [
        "schema", "index", "timestamp", "kind", "payload", "previous", "witnesses", "signature", "receipts",
    ]

    /// Reads an entry from its stored form, checking that every member is present and well formed (not that the
    /// signatures are valid: that is ``AuditVerifier``'s job).
    ///
    /// - Throws: ``AuditLogError`` naming the member at fault.
    public init(line value: CanonicalValue) throws(AuditLogError) {
        try self.init(line: value, hash: nil)
    }

    /// Reads an entry whose ``hash`` the caller computed already (from the line without `receipts`).
    init(line value: CanonicalValue, hash knownHash: String?) throws(AuditLogError) {
        guard case .object(let members) = value else {
            throw AuditLogError(index: nil, reason: "an entry must be a JSON object")
        }
        let index = members["index"]?.integerValue
        func fail(_ reason: String) -> AuditLogError { AuditLogError(index: index, reason: reason) }
        for key in members.keys where !Self.lineKeys.contains(key) { throw fail("unknown member '\(key)'") }
        guard members["schema"]?.stringValue == Self.schema else { throw fail("schema is not '\(Self.schema)'") }
        guard let index, index >= 0 else { throw fail("index must be an integer ≥ 0") }
        guard let timestamp = members["timestamp"]?.stringValue, Self.isTimestamp(timestamp) else {
            throw fail("timestamp must be ISO 8601 in UTC (2025-01-31T12:00:00.000Z)")
        }
        guard let kind = members["kind"]?.stringValue, !kind.isEmpty else { throw fail("kind must be a name") }
        guard let payload = members["payload"] else { throw fail("payload is missing") }
        guard let previous = members["previous"]?.stringValue, SHA256Hex.isWellFormed(previous) else {
            throw fail("previous must be 64 lowercase hex digits")
        }
        guard let witnessValues = members["witnesses"]?.arrayValue else { throw fail("witnesses must be a list") }
        var witnesses: [String] = []
        for witness in witnessValues {
            guard let name = witness.stringValue else { throw fail("witnesses must be names") }
            witnesses.append(name)
        }
        var signature: Signature?
        switch members["signature"] {
        case .string(let text)?:
            do { signature = try Signature(base64: text) } catch { throw fail("signature: \(error)") }
        case .null?: signature = nil
        default: throw fail("signature must be base64 or null")
        }
        guard let receiptValues = members["receipts"]?.arrayValue else { throw fail("receipts must be a list") }
        self.init(
            index: index, timestamp: timestamp, kind: Kind(rawValue: kind), payload: payload, previousHash: previous,
            witnesses: witnesses, signature: signature)
        let hash = receiptValues.isEmpty ? "" : (knownHash ?? self.hash)
        for receipt in receiptValues {
            guard let participant = receipt["participant"]?.stringValue, let text = receipt["signature"]?.stringValue,
                receipt.objectValue?.count == 2
            else { throw fail("a receipt must be {\"participant\":…,\"signature\":…}") }
            do {
                receipts.append(
                    Receipt(
                        participant: participant, index: index, entryHash: hash,
                        signature: try Signature(base64: text)))
            } catch {
                throw fail("the receipt of '\(participant)': \(error)")
            }
        }
    }

    /// Formats a date as an entry's timestamp: ISO 8601, UTC, milliseconds.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Whether `text` has the shape `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
    static func isTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let pattern = Array("0000-00-00T00:00:00".utf8)
        guard bytes.count >= pattern.count + 1, bytes.last == 0x5a else { return false }
        for (byte, expected) in zip(bytes, pattern) {
            if expected == 0x30 {
                guard (0x30...0x39).contains(byte) else { return false }
            } else if byte != expected {
                return false
            }
        }
        let rest = bytes[pattern.count..<(bytes.count - 1)]
        if rest.isEmpty { return true }
        return rest.first == 0x2e && rest.count >= 2 && rest.dropFirst().allSatisfy { (0x30...0x39).contains($0) }
    }
}
