import ConcordNN

extension ParameterLayout {
    /// The layout as a canonical value: `{"entries":[{"name":…,"shape":[…]},…],"schema":"concord.layout/v1"}`,
    /// entries in the layout's order.
    public var canonicalValue: CanonicalValue {
        .object([
            "schema": .string("concord.layout/v1"),
            "entries": .array(
                entries.map { .object(["name": .string($0.name), "shape": .array($0.shape.map { .integer($0) })]) }),
        ])
    }

    /// The SHA-256 (lowercase hex) of ``canonicalValue``'s canonical bytes: how a charter names a model's
    /// architecture.
    public var sha256: String { canonicalValue.sha256 }
}
