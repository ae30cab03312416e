/// What users of binary tabular models expect besides accuracy: ROC AUC, precision and recall.
///
/// Scores are any monotone function of P(class 1) (a logit or a probability); labels are 0 or 1.
public struct BinaryClassificationMetrics: Sendable, Equatable, Codable {
    /// The number of examples scored.
    public var count: Int
    /// Examples predicted 1 whose label is 1.
    public var truePositives: Int
    /// Examples predicted 1 whose label is 0.
    public var falsePositives: Int
    /// Examples predicted 0 whose label is 1.
    public var falseNegatives: Int
    /// Area under the ROC curve (ties count one half); nil when only one class is present.
    public var auc: Double?

    /// TP / (TP + FP); nil when nothing was predicted positive.
    public var precision: Double? {
        truePositives + falsePositives == 0 ? nil : Double(truePositives) / Double(truePositives + falsePositives)
    }

    /// TP / (TP + FN); nil when no example is positive.
    public var recall: Double? {
        truePositives + falseNegatives == 0 ? nil : Double(truePositives) / Double(truePositives + falseNegatives)
    }

    /// Scores `scores` against `labels`, predicting 1 where the score is at least `threshold`.
    ///
    /// The AUC is the Mann–Whitney statistic: the share of (positive, negative) pairs the scores order correctly,
    /// computed from average ranks in O(n log n).
    public init(scores: [Float], labels: [Int32], threshold: Float) {
        precondition(scores.count == labels.count, "\(scores.count) scores for \(labels.count) labels")
        count = scores.count
        var tp = 0, fp = 0, fn = 0
        for (s, y) in zip(scores, labels) {
            precondition(y == 0 || y == 1, "binary label \(y) is neither 0 nor 1")
            let predicted = s >= threshold
            if predicted && y == 1 { tp += 1 } else if predicted { fp += 1 } else if y == 1 { fn += 1 }
        }
        truePositives = tp
        falsePositives = fp
        falseNegatives = fn
        auc = Self.rocAUC(scores: scores, labels: labels)
    }

    static func rocAUC(scores: [Float], labels: [Int32]) -> Double? {
        let positives = labels.reduce(0) { $0 + Int($1) }
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positiveRankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for k in i...j where labels[order[k]] == 1 { positiveRankSum += averageRank }
            i = j + 1
        }
        let p = Double(positives), n = Double(negatives)
        return (positiveRankSum - p * (p + 1) / 2) / (p * n)
    }
}
