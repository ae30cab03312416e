import ConcordData
import ConcordNN
import Foundation

/// The tabular messages: the run's schema, the pre-round's statistics and the agreed standardisation, each
/// bounded and checked as it arrives, so a hostile peer can neither make the other side allocate without limit
/// nor poison the federation's statistics with non-finite or impossible numbers.
extension WireConversion {
    /// The most features a schema may declare.
    static let maxFeatures = 4096
    /// The most classes a schema may declare.
    static let maxClasses = 256
    /// The most categories of one categorical feature.
    static let maxCategories = 1024
    /// The most missing tokens.
    static let maxMissingTokens = 64
    /// The longest name (column, class, category, token), in UTF-8 bytes.
    static let maxNameBytes = 256

    static func tableSchema(_ schema: TabularSchema) -> Concord_V1_TableSchema {
        var message = Concord_V1_TableSchema()
        message.label = schema.label
        message.classes = schema.classes
        message.features = schema.features.map { feature in
            var spec = Concord_V1_TableFeature()
            spec.name = feature.name
            spec.categorical = feature.categories != nil
            spec.categories = feature.categories ?? []
            return spec
        }
        message.imputeMissing = schema.missing == .impute
        message.missingTokens = schema.missingTokens
        return message
    }

    static func tableSchema(_ message: Concord_V1_TableSchema) throws(WireError) -> TabularSchema {
        func check(_ names: [String], _ what: String, most: Int) throws(WireError) {
            guard names.count <= most else {
                throw .malformed("the schema declares \(names.count) \(what) (at most \(most))")
            }
            for name in names where name.utf8.count > maxNameBytes {
                throw .malformed(
                    "the schema has \(what) with a name of \(name.utf8.count) bytes (at most \(maxNameBytes))")
            }
        }
        try check([message.label], "label", most: 1)
        try check(message.classes, "classes", most: maxClasses)
        try check(message.features.map(\.name), "features", most: maxFeatures)
        try check(message.missingTokens, "missing tokens", most: maxMissingTokens)
        var features: [TabularSchema.Feature] = []
        for feature in message.features {
            if feature.categorical {
                try check(feature.categories, "categories of '\(feature.name)'", most: maxCategories)
                features.append(.categorical(feature.name, categories: feature.categories))
            } else {
                guard feature.categories.isEmpty else {
                    throw .malformed("the numeric feature '\(feature.name)' has categories")
                }
                features.append(.numeric(feature.name))
            }
        }
        let schema = TabularSchema(
            label: message.label, classes: message.classes, features: features,
            missing: message.imputeMissing ? .impute : .reject, missingTokens: message.missingTokens)
        do {
            try schema.validate()
        } catch {
            throw .malformed("the run's schema is not usable: \(error)")
        }
        return schema
    }

    static func standardisation(_ standardisation: Standardisation) -> Concord_V1_Standardisation {
        var message = Concord_V1_Standardisation()
        message.names = standardisation.names
        message.means = standardisation.means
        message.scales = standardisation.scales
        return message
    }

    /// A standardisation for exactly the numeric features `names`, with finite means and finite positive scales.
    static func standardisation(
        _ message: Concord_V1_Standardisation, for names: [String]
    ) throws(WireError)
        -> Standardisation
    {
        guard message.names == names, message.means.count == names.count, message.scales.count == names.count else {
            throw .malformed(
                "the standardisation covers \(message.names.count) features with \(message.means.count) means and "
                    + "\(message.scales.count) scales; the schema has the \(names.count) numeric features \(names)")
        }
        for index in names.indices {
            let (mean, scale) = (message.means[index], message.scales[index])
            guard mean.isFinite, scale.isFinite, scale > 0 else {
                throw .malformed("the standardisation of '\(names[index])' has mean \(mean) and scale \(scale)")
            }
        }
        return Standardisation(names: names, means: message.means, scales: message.scales)
    }

    static func statisticsTask(features: [String]) -> Concord_V1_StatisticsTask {
        var task = Concord_V1_StatisticsTask()
        task.features = features
        return task
    }

    static func statisticsReply(_ statistics: FeatureStatistics) -> Concord_V1_StatisticsReply {
        var reply = Concord_V1_StatisticsReply()
        reply.features = statistics.names.indices.map { index in
            var moments = Concord_V1_FeatureMoments()
            moments.name = statistics.names[index]
            moments.count = UInt64(max(0, statistics.counts[index]))
            moments.sum = statistics.sums[index]
            moments.sumOfSquares = statistics.sumsOfSquares[index]
            return moments
        }
        return reply
    }

    /// A node's statistics, checked as a hostile peer's: the features asked for, in order; no count above the rows
    /// the node declared; finite sums; sums of squares that some real values could have (non-negative, and at least
    /// sum² / count, by Cauchy–Schwarz, up to rounding).
    static func statistics(
        _ reply: Concord_V1_StatisticsReply, features: [String], declaredExamples: Int
    ) throws(WireError) -> FeatureStatistics {
        guard reply.features.map(\.name) == features else {
            throw .malformed(
                "statistics of \(reply.features.count) features \(reply.features.prefix(8).map(\.name)); "
                    + "the coordinator asked for the \(features.count) features \(features.prefix(8))")
        }
        var statistics = FeatureStatistics(names: features)
        for (index, moments) in reply.features.enumerated() {
            guard moments.count <= UInt64(max(0, declaredExamples)) else {
                throw .malformed(
                    "statistics of '\(moments.name)' over \(moments.count) values; the node declared "
                        + "\(declaredExamples) rows")
            }
            let count = Double(moments.count)
            guard moments.sum.isFinite, moments.sumOfSquares.isFinite, moments.sumOfSquares >= 0,
                moments.count > 0 || (moments.sum == 0 && moments.sumOfSquares == 0),
                moments.count == 0 || moments.sum * moments.sum / count <= moments.sumOfSquares * (1 + 1e-9) + 1e-300
            else {
                throw .malformed(
                    "impossible statistics of '\(moments.name)': count \(moments.count), sum \(moments.sum), "
                        + "sum of squares \(moments.sumOfSquares)")
            }
            statistics.counts[index] = Int(moments.count)
            statistics.sums[index] = moments.sum
            statistics.sumsOfSquares[index] = moments.sumOfSquares
        }
        return statistics
    }
}

extension WireConversion {
    /// A binary model's AUC, precision and recall, those that are defined, as an evaluation reply's metrics.
    static func binaryMetrics(_ binary: BinaryClassificationMetrics) -> [String: Double] {
        var metrics: [String: Double] = [:]
        metrics["auc"] = binary.auc
        metrics["precision"] = binary.precision
        metrics["recall"] = binary.recall
        return metrics
    }

    /// An evaluation reply's metrics: only `auc`, `precision` and `recall`, each in [0, 1].
    static func evaluationMetrics(_ reply: Concord_V1_EvaluateReply) throws(WireError) -> [String: Double] {
        for (name, value) in reply.metrics {
            guard ["auc", "precision", "recall"].contains(name), value.isFinite, (0...1).contains(value) else {
                throw .malformed(
                    "an evaluation metric '\(name.prefix(64))' = \(value) (auc, precision, recall in [0, 1])")
            }
        }
        return reply.metrics
    }
}
