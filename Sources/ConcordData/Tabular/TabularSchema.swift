/// The columns a federation agrees on for tabular data: the label and its classes, each feature and its kind,
/// and the rule for missing values. It lives in the run's configuration; every node's table is read against it.
public struct TabularSchema: Sendable, Equatable, Codable {
    /// One feature column.
    public struct Feature: Sendable, Equatable, Codable {
        /// The column's name in the header.
        public var name: String
        /// For a categorical column, its vocabulary in one-hot order; nil for a numeric column.
        public var categories: [String]?

        /// A numeric feature, standardised with the federation's mean and standard deviation.
        public static func numeric(_ name: String) -> Feature { Feature(name: name, categories: nil) }

        /// A categorical feature, one-hot encoded over `categories` in that order.
        public static func categorical(_ name: String, categories: [String]) -> Feature {
            Feature(name: name, categories: categories)
        }

        /// Whether the feature is numeric.
        public var isNumeric: Bool { categories == nil }

        /// How many model inputs the feature becomes: 1, or the size of its vocabulary.
        public var encodedWidth: Int { categories?.count ?? 1 }
    }

    /// The label column's name.
    public var label: String
    /// The classes, in class-index order, as they are written in the label column.
    public var classes: [String]
    /// The feature columns, in model-input order; other columns of the file are ignored.
    public var features: [Feature]
    /// What to do with missing feature values.
    public var missing: MissingValueRule
    /// The field values that mean "missing" besides the empty field.
    public var missingTokens: [String]

    /// Creates a schema.
    public init(
        label: String, classes: [String], features: [Feature], missing: MissingValueRule = .reject,
        missingTokens: [String] = ["NA"]
    ) {
        self.label = label
        self.classes = classes
        self.features = features
        self.missing = missing
        self.missingTokens = missingTokens
    }

    /// The number of model inputs one row becomes.
    public var encodedWidth: Int { features.reduce(0) { $0 + $1.encodedWidth } }

    /// The names of the model inputs, `column` for numeric features and `column=category` for one-hot ones.
    public var encodedNames: [String] {
        features.flatMap { feature in
            feature.categories.map { $0.map { "\(feature.name)=\($0)" } } ?? [feature.name]
        }
    }

    /// The numeric features' names, in the order ``FeatureStatistics`` holds them.
    public var numericNames: [String] { features.filter(\.isNumeric).map(\.name) }

    /// Checks the schema is usable.
    ///
    /// - Throws: ``TabularError/invalidSchema(reason:)`` naming the problem.
    public func validate() throws(TabularError) {
        if classes.count < 2 { throw .invalidSchema(reason: "the label '\(label)' needs at least two classes") }
        if Set(classes).count != classes.count { throw .invalidSchema(reason: "the classes repeat a name") }
        if features.isEmpty { throw .invalidSchema(reason: "no feature columns are declared") }
        var seen: Set<String> = [label]
        for feature in features {
            if !seen.insert(feature.name).inserted {
                throw .invalidSchema(reason: "column '\(feature.name)' is declared twice (or is also the label)")
            }
            if let categories = feature.categories {
                if categories.isEmpty {
                    throw .invalidSchema(reason: "categorical column '\(feature.name)' has an empty vocabulary")
                }
                if Set(categories).count != categories.count {
                    throw .invalidSchema(reason: "categorical column '\(feature.name)' repeats a category")
                }
            }
        }
    }
}
