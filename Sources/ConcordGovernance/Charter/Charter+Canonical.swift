extension Charter {
    /// The signed content as a canonical value: every field but the signatures (see
    /// `Docs/governance-encoding.md` for the layout; reals are ``CanonicalValue/real(_:)`` strings).
    public var canonicalValue: CanonicalValue {
        .object([
            "schema": .string(Self.schema),
            "federation": .string(federation),
            "coordinator": .object([
                "name": .string(coordinator.name), "public_key": .string(coordinator.publicKey.base64),
            ]),
            "participants": .array(
                participants.map {
                    .object([
                        "name": .string($0.name), "id": .integer($0.id), "public_key": .string($0.publicKey.base64),
                        "epsilon_cap": .real($0.epsilonCap),
                    ])
                }),
            "tasks": .array(
                tasks.map {
                    .object([
                        "model": .string($0.model), "layout_hash": .string($0.layoutHash),
                        "strategies": .array($0.strategies.map { .string($0) }), "max_rounds": .integer($0.maxRounds),
                    ])
                }),
            "privacy": .object(privacyFields),
            "release": .object(["quorum": .integer(releaseQuorum)]),
        ])
    }

    /// The privacy clause; `level` appears only when it is `record`, so every user-level charter keeps the bytes
    /// (and the hash and signatures) it had before the level existed.
    private var privacyFields: [String: CanonicalValue] {
        var fields: [String: CanonicalValue] = [
            "secure_aggregation": .bool(privacy.secureAggregationRequired),
            "min_noise_multiplier": .real(privacy.minNoiseMultiplier),
            "max_delta": .real(privacy.maxDelta),
            "max_epsilon": .real(privacy.maxEpsilon),
        ]
        if privacy.level == .record { fields["level"] = .string(privacy.level.rawValue) }
        return fields
    }

    /// The bytes every participant signs: the canonical JSON of ``canonicalValue``.
    public var canonicalBytes: [UInt8] { canonicalValue.canonicalBytes }

    /// The charter's identity: the SHA-256 (lowercase hex) of ``canonicalBytes``. Audit logs and releases name
    /// their charter by it.
    public var hash: String { SHA256Hex.of(canonicalBytes) }
}
