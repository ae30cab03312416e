import ConcordData
import ConcordNN

extension RunPlan {
    /// A run on tabular data: the columns every participant's table must have, and the standardisation of its
    /// numeric features, fixed by the configuration or agreed by the federated pre-round and kept with the run, so
    /// a resumed run encodes every row exactly as before.
    public struct TabularChoice: Sendable, Equatable, Codable {
        /// The label, its classes, the feature columns and the missing-value rule.
        public var schema: TabularSchema
        /// The numeric features' means and scales; nil until the pre-round has agreed them.
        public var standardisation: Standardisation?

        /// Describes a run on tabular data.
        public init(schema: TabularSchema, standardisation: Standardisation? = nil) {
            self.schema = schema
            self.standardisation = standardisation
        }

        /// The shape of one encoded row: the schema's encoded width.
        public var exampleShape: [Int] { [schema.encodedWidth] }

        /// The loss a zoo model trains with on this table: binary cross-entropy on one logit for two classes (so
        /// `logreg` is logistic regression), softmax cross-entropy otherwise, as `concord simulate --data` does.
        public var loss: ModelLoss { schema.classes.count == 2 ? .binaryCrossEntropy : .softmaxCrossEntropy }

        /// Checks the schema, and a fixed standardisation against it.
        ///
        /// - Throws: ``PlanError/invalid(field:problem:)`` naming what is wrong.
        public func validate() throws(PlanError) {
            do {
                try schema.validate()
            } catch {
                throw .invalid(field: "tabular", problem: error.description)
            }
            guard let standardisation else { return }
            guard standardisation.names == schema.numericNames,
                standardisation.means.count == standardisation.names.count,
                standardisation.scales.count == standardisation.names.count
            else {
                throw .invalid(
                    field: "tabular.standardisation",
                    problem: "covers \(standardisation.names) with \(standardisation.means.count) means and "
                        + "\(standardisation.scales.count) scales; the schema's numeric features are "
                        + "\(schema.numericNames)")
            }
            for (index, name) in standardisation.names.enumerated() {
                let (mean, scale) = (standardisation.means[index], standardisation.scales[index])
                guard mean.isFinite, scale.isFinite, scale > 0 else {
                    throw .invalid(
                        field: "tabular.standardisation",
                        problem: "'\(name)' has mean \(mean) and scale \(scale); a scale must be finite and positive")
                }
            }
        }
    }

    /// The model for data of `inputShape` with `classes` classes, initialised from `seed`: on tabular data a zoo
    /// model trains with ``TabularChoice/loss``, as every node builds it.
    ///
    /// - Throws: the zoo's error for an unknown model or one too large for memory.
    public func makeModel(
        inputShape: [Int], classes: Int, seed: UInt64, tabular: TabularChoice?
    ) throws
        -> Sequential
    {
        guard let tabular, tabular.loss != .softmaxCrossEntropy else {
            return try makeModel(inputShape: inputShape, classes: classes, seed: seed)
        }
        return try ModelZoo.make(model, inputShape: inputShape, classes: classes, loss: tabular.loss, seed: seed)
    }

    /// The plan's tabular fields as the comparison of a resume names them.
    var tabularFields: [(field: String, value: String)] {
        guard let tabular else { return [("tabular", "off")] }
        let schema = tabular.schema
        let features = schema.features.map { feature in
            feature.categories.map { "\(feature.name)=\($0.joined(separator: "|"))" } ?? feature.name
        }
        let standardisation = tabular.standardisation.map { s in
            s.names.indices.map { "\(s.names[$0]): \(s.means[$0])/\(s.scales[$0])" }.joined(separator: ", ")
        }
        return [
            ("tabular", "on"), ("tabular.label", schema.label),
            ("tabular.classes", schema.classes.joined(separator: ", ")),
            ("tabular.features", features.joined(separator: ", ")), ("tabular.missing", schema.missing.rawValue),
            ("tabular.missing_tokens", schema.missingTokens.joined(separator: ", ")),
            ("tabular.standardisation", standardisation ?? "to be agreed by the pre-round"),
        ]
    }
}
