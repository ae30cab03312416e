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
