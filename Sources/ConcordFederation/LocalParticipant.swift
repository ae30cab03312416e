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
    /// The randomness of record-level DP-SGD, for rounds that ask for it (refused without).
    let recordPrivacy: (any RecordPrivacyRandomness)?

    /// Creates a local participant.
    ///
    /// - Parameter recordPrivacy: the sampling and noise source of record-level DP-SGD; nil refuses such rounds.
    public init(
        id: Int, data: any ParticipantData, pool: WorkerPool<TrainingWorker>,
        recordPrivacy: (any RecordPrivacyRandomness)? = nil
    ) {
        self.id = id
        self.data = data
        self.pool = pool
        self.recordPrivacy = recordPrivacy
    }

    /// Local training on a borrowed worker; stops early when the round's task is cancelled.
    public func fit(_ instruction: FitInstruction) async throws -> ClientUpdate {
        try Task.checkCancellation()
        let id = self.id, data = self.data, recordPrivacy = self.recordPrivacy
        return try await pool.withWorker { worker in
            try await worker.run { model, isCancelled in
                let trainer = ModelTrainer(model: model, training: data.trainingView(of: id))
                trainer.isCancelled = isCancelled
                trainer.recordPrivacyRandomness = recordPrivacy
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
