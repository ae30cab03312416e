import Testing

@testable import ConcordNN

/// ROC AUC, precision and recall against values computed by hand (and by scikit-learn's `roc_auc_score`).
@Suite("Binary classification metrics")
struct BinaryClassificationMetricsTests {
    @Test func aucOfTheTextbookExample() throws {
        // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
        let m = BinaryClassificationMetrics(scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1], threshold: 0.5)
        #expect(try #require(m.auc) == 0.75)
        // Only 0.8 is predicted positive: TP 1, FP 0, FN 1.
        #expect(m.truePositives == 1 && m.falsePositives == 0 && m.falseNegatives == 1)
        #expect(m.precision == 1)
        #expect(m.recall == 0.5)
    }

    @Test func tiedScoresCountOneHalf() throws {
        // Every (positive, negative) pair is tied: AUC 0.5.
        let m = BinaryClassificationMetrics(scores: [0.3, 0.3, 0.3], labels: [1, 0, 1], threshold: 0.5)
        #expect(try #require(m.auc) == 0.5)
        #expect(m.precision == nil, "nothing predicted positive")
        #expect(m.recall == 0)
    }

    @Test func perfectAndReversedOrderings() throws {
        let labels: [Int32] = [0, 1, 0, 1, 1]
        let scores: [Float] = [-2, 3, -1, 0.5, 1]
        #expect(try #require(BinaryClassificationMetrics(scores: scores, labels: labels, threshold: 0).auc) == 1)
        #expect(
            try #require(BinaryClassificationMetrics(scores: scores.map { -$0 }, labels: labels, threshold: 0).auc) == 0
        )
    }

    @Test func aucIsUndefinedWithOneClass() {
        let m = BinaryClassificationMetrics(scores: [0.2, 0.9], labels: [1, 1], threshold: 0.5)
        #expect(m.auc == nil)
        #expect(m.recall == 0.5)
    }
}
