import ConcordData
import ConcordNN
import Foundation

/// One worker of a simulation: a model instance and a thread of its own, used by one participant at a time.
///
/// Training runs on the worker's thread, not on Swift's cooperative pool, so long computations never
/// starve the coordinator's timers (round deadlines) and event delivery.
///
/// `@unchecked Sendable`: the ``WorkerPool`` lends each worker to a single task at a time, and the model
/// is only touched on the worker's serial queue.
public final class TrainingWorker: @unchecked Sendable {
    /// The worker's model; its parameters are overwritten by every task.
    public let model: Sequential
    private let queue: DispatchQueue

    /// Creates a worker around a model.
    public init(model: Sequential) {
        self.model = model
        queue = DispatchQueue(label: "concord.training-worker", qos: .userInitiated)
    }

    /// Runs `body` with the model on the worker's thread; `isCancelled` turns true when the calling
    /// task is cancelled, so long loops can stop early.
    public func run<R: Sendable>(
        _ body: @escaping @Sendable (Sequential, _ isCancelled: @escaping @Sendable () -> Bool) throws -> R
    )
        async throws -> R
    {
        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.async {
                    continuation.resume(with: Result { try body(self.model, flag.isSet) })
                }
            }
        } onCancel: {
            flag.set()
        }
    }
}

/// A thread-safe flag set once when a task is cancelled.
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }

    @Sendable func isSet() -> Bool { lock.withLock { value } }
}

/// Where simulated participants find their data: one shared dataset and each participant's indices.
public protocol ParticipantData: Sendable {
    /// The number of participants.
    var participantCount: Int { get }
    /// Participant `index`'s training data, materialised on demand.
    func trainingData(of index: Int) -> Dataset
    /// Participant `index`'s training data as a view: its rows of a shared dataset, nothing copied.
    func trainingView(of index: Int) -> DatasetView
}

extension ParticipantData {
    /// The materialised data seen whole: for sources that hold each participant's examples apart.
    public func trainingView(of index: Int) -> DatasetView { DatasetView(trainingData(of: index)) }
}

/// An in-process participant: borrows a worker from the pool, trains on its own slice of the data.
///
/// It holds only its id and handles on what all participants share (the data, the pool): its examples
/// are rows of the shared dataset and its model is the borrowed worker's, so ten thousand of them cost
/// a few hundred kilobytes.
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
            try await worker.run { model, isCancelled in
                let trainer = ModelTrainer(model: model, training: data.trainingView(of: id))
                trainer.isCancelled = isCancelled
                return try trainer.fit(instruction)
            }
        }
    }

    /// Evaluation on the participant's own training data.
    public func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        let id = self.id, data = self.data
        return try await pool.withWorker { worker in
            try await worker.run { model, _ in
                try ModelTrainer(model: model, training: data.trainingView(of: id)).evaluate(parameters)
            }
        }
    }
}

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

    /// Loss and accuracy of `parameters` on the whole test set.
    public func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        let test = self.test, pool = self.pool, n = test.count
        let parts = test.pieceCount(suggested: self.parts)
        let pieces = try await withThrowingTaskGroup(of: (Int, Evaluation).self) { group in
            for part in 0..<parts {
                group.addTask {
                    // Each piece is made on its worker, so no more pieces are alive than there are workers.
                    let result = try await pool.withWorker { worker in
                        try await worker.run { model, _ in
                            let piece = test.piece(part, of: parts)
                            try model.load(parameters)
                            return try model.evaluate(features: piece.features, labels: piece.labels)
                        }
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
