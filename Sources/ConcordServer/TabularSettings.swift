import ConcordData
import ConcordPlan

/// The `tabular` block of a federation configuration: the schema every node's table is read against, and
/// optionally the standardisation, fixed instead of agreed by the federated pre-round.
///
/// ```yaml
/// tabular:
///   label: diagnosis
///   classes: [benign, malignant]
///   features: [mean_radius, mean_texture, {name: smoker, categories: [no, yes]}]   # a name: numeric
///   missing: reject                  # or impute
///   missing_tokens: [NA]
///   # standardisation: {means: [14.1, 19.3], scales: [3.5, 4.3]}   # numeric features, in order
/// ```
public struct TabularSettings: Sendable, Equatable, Codable {
    /// One feature column: a bare name (numeric) or `{name, categories}`.
    public struct Feature: Sendable, Equatable, Codable {
        /// The column.
        public var name: String
        /// Its vocabulary in one-hot order; nil for a numeric column.
        public var categories: [String]?

        /// Reads a bare name or a `{name, categories}` mapping.
        public init(from decoder: any Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self) {
                self.name = name
                categories = nil
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            categories = try c.decodeIfPresent([String].self, forKey: .categories)
        }

        enum CodingKeys: String, CodingKey { case name, categories }
    }

    /// Fixed means and scales of the numeric features, in the schema's order.
    public struct FixedStandardisation: Sendable, Equatable, Codable {
        /// Each numeric feature's mean.
        public var means: [Double]
        /// Each numeric feature's scale (standard deviation).
        public var scales: [Double]
    }

    /// The label column.
    public var label: String
    /// The label's classes in class-index order.
    public var classes: [String]
    /// The feature columns, in model-input order.
    public var features: [Feature]
    /// `reject` (the default) or `impute`.
    public var missing: String?
    /// The values that mean "missing" besides the empty field (default `NA`).
    public var missingTokens: [String]?
    /// Means and scales fixed by the configuration (no pre-round); nil to agree them by the pre-round.
    public var standardisation: FixedStandardisation?

    enum CodingKeys: String, CodingKey {
        case label, classes, features, missing, standardisation
        case missingTokens = "missing_tokens"
    }

    /// The run plan's tabular choice these settings describe.
    ///
    /// - Throws: ``ConcordPlan/PlanError/invalid(field:problem:)`` for a missing rule that is neither `reject` nor
    ///   `impute`.
    public func choice() throws(PlanError) -> RunPlan.TabularChoice {
        guard let rule = MissingValueRule(rawValue: missing ?? "reject") else {
            throw .invalid(field: "tabular.missing", problem: "must be reject or impute, got '\(missing ?? "")'")
        }
        let schema = TabularSchema(
            label: label, classes: classes,
            features: features.map { feature in
                feature.categories.map { .categorical(feature.name, categories: $0) } ?? .numeric(feature.name)
            }, missing: rule, missingTokens: missingTokens ?? ["NA"])
        let fixed = standardisation.map {
            Standardisation(names: schema.numericNames, means: $0.means, scales: $0.scales)
        }
        return RunPlan.TabularChoice(schema: schema, standardisation: fixed)
    }
}
