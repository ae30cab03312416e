import Foundation

/// The coordinator's side of one admitted Flower client's `FlowerService/Join` stream.
///
/// Flower's legacy protocol has no task ids: the client answers the server's messages one by one, in the
/// order they were sent. The session keeps the tasks awaiting an answer in that order; a task given up on
/// (a round's deadline, a cancellation) keeps its place, so that its late answer is recognised and dropped
/// instead of being taken for the answer to the next task. When the stream ends every waiting task fails
/// at once, so a client that disappears never stalls a round.
actor FlowerSession {
    /// The participant's name, as the client proved it at admission.
    nonisolated let name: String
    /// The participant's id in the federation.
    nonisolated let participant: Int
    /// The address the connection comes from.
    nonisolated let peer: String
    /// The most examples the client may claim to have trained on, nil for no bound.
    nonisolated let maxExamples: Int?
    private nonisolated let outgoing: AsyncStream<Flwr_Proto_ServerMessage>.Continuation
    /// Tasks awaiting an answer, oldest first; nil where the task was given up on.
    private var waiting: [(id: UInt64, continuation: CheckedContinuation<Flwr_Proto_ClientMessage, any Error>?)] =
        []
    private var nextTask: UInt64 = 1
    private var closedReason: String?
    private let onLateReply: @Sendable () -> Void

    init(
        name: String, participant: Int, peer: String, maxExamples: Int?,
        outgoing: AsyncStream<Flwr_Proto_ServerMessage>.Continuation,
        onLateReply: @escaping @Sendable () -> Void
    ) {
        self.name = name
        self.participant = participant
        self.peer = peer
        self.maxExamples = maxExamples
        self.outgoing = outgoing
        self.onLateReply = onLateReply
    }

    /// Sends `message` and waits for the client's answer to it.
    ///
    /// - Throws: ``WireError/sessionClosed(_:)`` when the stream ends first; `CancellationError` when the
    ///   calling task is cancelled (the answer, if it comes, is dropped).
    func ask(_ message: Flwr_Proto_ServerMessage) async throws -> Flwr_Proto_ClientMessage {
        if let closedReason { throw WireError.sessionClosed(closedReason) }
        try Task.checkCancellation()
        let id = nextTask
        nextTask += 1
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiting.append((id, continuation))
                outgoing.yield(message)
            }
        } onCancel: {
            // Runs once `ask` has suspended (the actor is busy until then), so the task is already queued.
            Task { await self.abandon(id) }
        }
    }

    /// Sends `message` without waiting for an answer (a reconnect, which ends the client's stream).
    nonisolated func send(_ message: Flwr_Proto_ServerMessage) { outgoing.yield(message) }

    private func abandon(_ id: UInt64) {
        // Not there: answered (or the session closed) before the cancellation reached the actor.
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        let continuation = waiting[index].continuation
        waiting[index].continuation = nil
        continuation?.resume(throwing: CancellationError())
    }

    /// Hands an answer from the client to the oldest task awaiting one.
    ///
    /// - Throws: ``WireError/protocolViolation(_:)`` for an answer nothing was asked for.
    func receive(_ message: Flwr_Proto_ClientMessage) throws(WireError) {
        guard !waiting.isEmpty else {
            throw .protocolViolation("the Flower client sent a message that answers nothing the coordinator asked")
        }
        let (_, continuation) = waiting.removeFirst()
        guard let continuation else {
            onLateReply()
            return
        }
        continuation.resume(returning: message)
    }

    /// Fails every waiting task with `reason` and ends the outgoing stream once what is queued is written.
    func close(reason: String) {
        guard closedReason == nil else { return }
        closedReason = reason
        let pending = waiting
        waiting.removeAll()
        for entry in pending { entry.continuation?.resume(throwing: WireError.sessionClosed(reason)) }
        outgoing.finish()
    }
}
