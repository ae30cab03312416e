import ConcordData
import ConcordNN

/// One worker of a simulation: a model instance used by one participant at a time.
///
/// `@unchecked Sendable`: the ``WorkerPool`` lends each worker to a single task at a time, so its
/// mutable model is never touched concurrently.
public final class TrainingWorker: @unchecked Sendable {
    /// The worker's model; its parameters are overwritten by every task.
    public let model: Sequential

    /// Creates a worker around a model.
    public init(model: Sequential) { self.model = model }
}

/// Where simulated participants find their data: one shared dataset and each participant's indices.
public protocol ParticipantData: Sendable {
    /// The number of participants.
    var participantCount: Int { get }
    /// Participant `index`'s training data, materialised on demand.
    func trainingData(of index: Int) -> Dataset
}

/// An in-process participant: borrows a worker from the pool, trains on its own slice of the data.
public struct SimulatedClient: ClientProxy {
    /// The participant's id (its index in the data).
    public let id: Int
    let data: any ParticipantData
    let pool: WorkerPool<TrainingWorker>

    /// Creates a simulated participant.
    public init(id: Int, data: any ParticipantData, pool: WorkerPool<TrainingWorker>) {
        self.id = id
        self.data = data
        self.pool = pool
    }

    /// Local training on a borrowed worker; stops early when the round's task is cancelled.
    public func fit(_ instruction: FitInstruction) async throws -> ClientUpdate {
        try Task.checkCancellation()
        let id = self.id, data = self.data
        return try await pool.withWorker { worker in
            let trainer = ModelTrainer(model: worker.model, trainingData: data.trainingData(of: id))
            trainer.isCancelled = { Task.isCancelled }
            return try trainer.fit(instruction)
        }
    }

    /// Evaluation on the participant's own training data.
    public func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        let id = self.id, data = self.data
        return try await pool.withWorker { worker in
            try ModelTrainer(model: worker.model, trainingData: data.trainingData(of: id)).evaluate(parameters)
        }
    }
}

/// Central evaluation on a test set, split across the pool's workers and combined in a fixed order.
public struct PooledEvaluator: CentralEvaluator {
    let test: Dataset
    let pool: WorkerPool<TrainingWorker>
    let parts: Int

    /// Creates an evaluator that splits `test` into `parts` chunks evaluated concurrently.
    public init(test: Dataset, pool: WorkerPool<TrainingWorker>, parts: Int) {
        self.test = test
        self.pool = pool
        self.parts = max(1, parts)
    }

    /// Loss and accuracy of `parameters` on the whole test set.
    public func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        let n = test.count, parts = min(self.parts, max(1, n))
        let bounds = (0...parts).map { $0 * n / parts }
        let test = self.test, pool = self.pool
        let pieces = try await withThrowingTaskGroup(of: (Int, Evaluation).self) { group in
            for part in 0..<parts {
                group.addTask {
                    let range = bounds[part]..<bounds[part + 1]
                    let result = try await pool.withWorker { worker in
                        try worker.model.load(parameters)
                        return try worker.model.evaluate(features: test.features.examples(range),
                                                         labels: Array(test.labels[range]))
                    }
                    return (part, result)
                }
            }
            var pieces: [(Int, Evaluation)] = []
            for try await piece in group { pieces.append(piece) }
            return pieces.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var loss = 0.0, correct = 0.0
        for piece in pieces {
            loss += piece.loss * Double(piece.count)
            correct += piece.accuracy * Double(piece.count)
        }
        let total = Double(max(n, 1))
        return EvaluationResult(loss: loss / total, accuracy: correct / total, exampleCount: n)
    }
}
