import ConcordData
import ConcordNN

/// Central evaluation on held-out data, split across the pool's workers and combined in a fixed order.
public struct PooledEvaluator: CentralEvaluator {
    let test: any HeldOutData
    let pool: WorkerPool<TrainingWorker>
    let parts: Int

    /// Creates an evaluator that evaluates `test` in (at least) `parts` pieces concurrently.
    public init(test: any HeldOutData, pool: WorkerPool<TrainingWorker>, parts: Int) {
        self.test = test
        self.pool = pool
        self.parts = max(1, parts)
    }

    /// Loss and accuracy of `parameters` on the whole test set (and, for a binary model, AUC, precision and recall
    /// over the whole set, from every piece's scores).
    public func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        let test = self.test, pool = self.pool, n = test.count
        let parts = test.pieceCount(suggested: self.parts)
        let pieces = try await withThrowingTaskGroup(of: (Int, Evaluated).self) { group in
            for part in 0..<parts {
                group.addTask {
                    // Each piece is made on its worker, so no more pieces are alive than there are workers.
                    let result = try await pool.withWorker { worker in
                        try await worker.run { model, _ in
                            let piece = test.piece(part, of: parts)
                            try model.load(parameters)
                            let (evaluation, scores) = try model.evaluateKeepingScores(
                                features: piece.features, labels: piece.labels, targets: piece.targets)
                            return Evaluated(
                                evaluation: evaluation, scores: scores, labels: scores.isEmpty ? [] : piece.labels)
                        }
                    }
                    return (part, result)
                }
            }
            var pieces: [(Int, Evaluated)] = []
            for try await piece in group { pieces.append(piece) }
            return pieces.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var loss = 0.0, correct = 0.0
        var scores: [Float] = [], labels: [Int32] = []
        for piece in pieces {
            loss += piece.evaluation.loss * Double(piece.evaluation.count)
            correct += piece.evaluation.accuracy * Double(piece.evaluation.count)
            scores += piece.scores
            labels += piece.labels
        }
        let total = Double(max(n, 1))
        let binary = pieces.contains { $0.evaluation.binary != nil }
        return EvaluationResult(
            loss: loss / total, accuracy: correct / total, exampleCount: n,
            binary: binary ? BinaryClassificationMetrics(scores: scores, labels: labels, threshold: 0) : nil)
    }
}

/// One piece's evaluation, with a binary model's scores and labels kept for the whole set's AUC.
private struct Evaluated: Sendable {
    var evaluation: Evaluation
    var scores: [Float]
    var labels: [Int32]
}
