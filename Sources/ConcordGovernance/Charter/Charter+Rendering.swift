extension Charter {
    /// The charter as YAML that ``init(yaml:)`` reads back to an equal charter, with its signatures (if any) in the
    /// unsigned `signatures:` section.
    public var yamlText: String {
        func quoted(_ text: String) -> String { CanonicalValue.string(text).canonicalText }
        func real(_ value: Double) -> String { CanonicalValue.realText(value) }
        var lines = [
            "# A Concord charter. Each participant signs the canonical encoding of everything in this file except the",
            "# `signatures:` section (see Docs/governance-encoding.md); it is in force once every participant has.",
            "schema: \(Self.schema)",
            "federation: \(quoted(federation))",
            "coordinator:",
            "  name: \(quoted(coordinator.name))",
            "  public_key: \(quoted(coordinator.publicKey.base64))",
            "participants:",
        ]
        for participant in participants {
            lines += [
                "  - name: \(quoted(participant.name))",
                "    id: \(participant.id)",
                "    public_key: \(quoted(participant.publicKey.base64))",
                "    epsilon_cap: \(real(participant.epsilonCap))",
            ]
        }
        lines.append("tasks:")
        for task in tasks {
            lines += [
                "  - model: \(quoted(task.model))",
                "    layout_hash: \(quoted(task.layoutHash))",
                "    strategies: [\(task.strategies.map(quoted).joined(separator: ", "))]",
                "    max_rounds: \(task.maxRounds)",
            ]
        }
        lines.append("privacy:")
        if privacy.level == .record { lines.append("  level: record") }
        lines += [
            "  secure_aggregation: \(privacy.secureAggregationRequired)",
            "  min_noise_multiplier: \(real(privacy.minNoiseMultiplier))",
            "  max_delta: \(real(privacy.maxDelta))",
            "  max_epsilon: \(real(privacy.maxEpsilon))",
            "release:",
            "  quorum: \(releaseQuorum)",
        ]
        if !signatures.isEmpty {
            lines.append("signatures:")
            for name in signatures.keys.sorted() {
                if let signature = signatures[name] { lines.append("  \(quoted(name)): \(quoted(signature.base64))") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
