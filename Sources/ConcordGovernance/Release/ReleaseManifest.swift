import Foundation

/// What a model release claims: the exact model bytes, the charter it was trained under, the audit log that
/// records its training, the rounds, the ε each participant spent, and the final metrics.
///
/// The coordinator signs the canonical bytes of ``canonicalValue`` and participants co-sign them
/// (``SignedRelease``); a release is accepted with a quorum of participant signatures (``ReleaseVerifier``).
public struct ReleaseManifest: Sendable, Equatable {
    /// The schema string of a manifest.
    public static let schema = "concord.release/v1"

    /// The federation's name.
    public var federation: String
    /// The charter's hash (``Charter/hash``).
    public var charterHash: String
    /// The SHA-256 of the exact model file (safetensors) bytes.
    public var modelHash: String
    /// The model file's length in bytes.
    public var modelByteCount: Int
    /// The sealed audit log's head: a verifier given the log checks it is exactly this long and ends here.
    public var auditHead: LogHead
    /// The rounds trained.
    public var rounds: Int
    /// The ε each participant spent, by name.
    public var epsilonSpent: [String: Double]
    /// The final metrics (accuracy, loss…).
    public var metrics: [String: Double]
    /// When the manifest was made (ISO 8601, UTC).
    public var created: String

    /// Describes a release of `modelBytes`.
    public init(
        federation: String, charterHash: String, modelBytes: some DataProtocol, auditHead: LogHead, rounds: Int,
        epsilonSpent: [String: Double], metrics: [String: Double], created: Date = Date()
    ) {
        self.federation = federation
        self.charterHash = charterHash
        self.modelHash = SHA256Hex.of(modelBytes)
        self.modelByteCount = modelBytes.count
        self.auditHead = auditHead
        self.rounds = rounds
        self.epsilonSpent = epsilonSpent
        self.metrics = metrics
        self.created = AuditEntry.timestamp(created)
    }

    /// The signed content.
    public var canonicalValue: CanonicalValue {
        .object([
            "schema": .string(Self.schema), "federation": .string(federation), "charter": .string(charterHash),
            "model": .object(["sha256": .string(modelHash), "bytes": .integer(modelByteCount)]),
            "audit": .object(["entries": .integer(auditHead.entries), "head": .string(auditHead.hash)]),
            "rounds": .integer(rounds), "epsilon": .object(epsilonSpent.mapValues { .real($0) }),
            "metrics": .object(metrics.mapValues { .real($0) }), "created": .string(created),
        ])
    }

    /// The bytes every signer signs.
    public var canonicalBytes: [UInt8] { canonicalValue.canonicalBytes }

    /// The SHA-256 (lowercase hex) of ``canonicalBytes``.
    public var hash: String { SHA256Hex.of(canonicalBytes) }

    /// Reads a manifest from its canonical value.
    ///
    /// - Throws: ``ReleaseError`` naming the missing or malformed field.
    public init(canonicalValue value: CanonicalValue) throws(ReleaseError) {
        func field<T>(_ name: String, _ read: (CanonicalValue) -> T?) throws(ReleaseError) -> T {
            var current: CanonicalValue? = value
            for part in name.split(separator: ".") { current = current?[String(part)] }
            guard let current, let result = read(current) else {
                throw ReleaseError("manifest.\(name) is missing or malformed")
            }
            return result
        }
        func reals(_ name: String) throws(ReleaseError) -> [String: Double] {
            let members = try field(name, \.objectValue)
            var result: [String: Double] = [:]
            for (key, member) in members {
                guard let real = member.realValue else { throw ReleaseError("manifest.\(name).\(key) is not a real") }
                result[key] = real
            }
            return result
        }
        guard value["schema"]?.stringValue == Self.schema else {
            throw ReleaseError("not a release manifest (schema is not '\(Self.schema)')")
        }
        let known: Set<String> = [
            "schema", "federation", "charter", "model", "audit", "rounds", "epsilon", "metrics", "created",
        ]
        for key in value.objectValue?.keys.sorted() ?? [] where !known.contains(key) {
            throw ReleaseError("manifest.\(key) is not a manifest field")
        }
        federation = try field("federation", \.stringValue)
        charterHash = try field("charter", \.stringValue)
        modelHash = try field("model.sha256", \.stringValue)
        modelByteCount = try field("model.bytes", \.integerValue)
        auditHead = LogHead(
            entries: try field("audit.entries", \.integerValue), hash: try field("audit.head", \.stringValue))
        rounds = try field("rounds", \.integerValue)
        epsilonSpent = try reals("epsilon")
        metrics = try reals("metrics")
        created = try field("created", \.stringValue)
        guard value.objectValue?.count == known.count else { throw ReleaseError("the manifest is missing fields") }
        guard value == canonicalValue else { throw ReleaseError("the manifest has fields in an unexpected form") }
    }
}
