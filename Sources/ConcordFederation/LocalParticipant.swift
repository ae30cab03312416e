import ConcordData
import ConcordNN
import Foundation

/// A participant that trains here, on data held here: it borrows a worker from the pool and trains on its own
/// slice of the data (clipping its update when the instruction asks, client-side DP). Every simulated participant
/// is one, and so is the training stage of `concord node` (see ``ParticipantPipeline``).
///
/// It holds only its id and handles on what all participants share (the data, the pool): its examples
/// are rows of the shared dataset and its model is the borrowed worker's, so ten thousand of them cost
/// a few hundred kilobytes.
public struct LocalParticipant: ClientProxy {
    /// The participant's id (its index in the data).
    public let id: Int
    let data: any ParticipantData
    let pool: WorkerPool<TrainingWorker>

    /// Creates a local participant.
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
