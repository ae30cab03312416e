/// A fixed set of workers (one per core, each with its own model) lent to one task at a time.
///
/// This bounds memory by the participants in flight, not by the number of participants: a simulated
/// participant borrows a worker only while it trains.
public actor WorkerPool<Worker: Sendable> {
    private var idle: [Worker]
    private var waiting: [CheckedContinuation<Worker, Never>] = []

    /// Creates a pool over the given workers.
    public init(_ workers: [Worker]) {
        precondition(!workers.isEmpty, "a worker pool needs at least one worker")
        idle = workers
    }

    /// Runs `body` with a worker, waiting for one to be free; the worker is returned afterwards.
    public func withWorker<R: Sendable>(_ body: @Sendable (Worker) async throws -> R) async rethrows -> R {
        let worker = await acquire()
        defer { release(worker) }
        return try await body(worker)
    }

    private func acquire() async -> Worker {
        if let worker = idle.popLast() { return worker }
        return await withCheckedContinuation { waiting.append($0) }
    }

    private func release(_ worker: Worker) {
        if waiting.isEmpty {
            idle.append(worker)
        } else {
            waiting.removeFirst().resume(returning: worker)
        }
    }
}
