import Foundation

/// The coordinator's side of one node's connection: sends it tasks, matches the replies that come back
/// (header, then payload chunks) to the tasks waiting for them, and fails those tasks when the connection
/// ends, so a node that disappears never stalls a round.
actor NodeSession {
    /// A reply and its assembled payload.
    struct Answer: Sendable {
        var reply: Concord_V1_Reply
        var payload: Data
    }

    private struct Pending {
        var continuation: CheckedContinuation<Answer, any Error>
        /// The largest reply payload this task may receive.
        var replyLimit: UInt64
        var reply: Concord_V1_Reply?
        var assembler: PayloadAssembler?
    }

    /// A task given up on (deadline, cancellation): its reply may still be on its way. Its chunks are
    /// counted and checked as they arrive, and dropped: nothing of a late reply is kept.
    private struct Abandoned {
        /// The largest reply payload the task could have received.
        var replyLimit: UInt64
        /// The payload its reply header announced, once it has arrived.
        var expected: UInt64?
        var received: UInt64 = 0
        var nextIndex: UInt32 = 0
    }

    /// The participant's name (its certificate's common name).
    nonisolated let name: String
    /// The participant's id in the federation.
    nonisolated let participant: Int
    /// The examples the node said it holds when it joined: no reply may claim to have used more.
    nonisolated let declaredExamples: Int
    /// The address the connection comes from.
    nonisolated let peer: String
    nonisolated let outbox: Outbox<Concord_V1_CoordinatorMessage>
    private var pending: [UInt64: Pending] = [:]
    /// Tasks given up on (deadline, cancellation) whose late reply may still arrive, at most
    /// ``maxAbandoned`` of the latest.
    private var abandoned: [UInt64: Abandoned] = [:]
    private var nextTask: UInt64 = 1
    private var closedReason: String?
    private(set) var lastHeard = ContinuousClock.now
    /// Called with a task id when a reply arrives for a task that is no longer awaited.
    private let onLateReply: @Sendable (UInt64) -> Void

    init(
        name: String, participant: Int, declaredExamples: Int, peer: String,
        outbox: Outbox<Concord_V1_CoordinatorMessage>, onLateReply: @escaping @Sendable (UInt64) -> Void
    ) {
        self.name = name
        self.participant = participant
        self.declaredExamples = declaredExamples
        self.peer = peer
        self.outbox = outbox
        self.onLateReply = onLateReply
    }

    /// Sends a task and waits for its reply; cancelling the calling task abandons it and tells the node.
    func request(_ body: Concord_V1_Task.OneOf_Body, payload: Payload, replyLimit: UInt64) async throws -> Answer {
        if let closedReason { throw WireError.sessionClosed(closedReason) }
        try Task.checkCancellation()
        let id = nextTask
        nextTask += 1
        var task = Concord_V1_Task()
        task.id = id
        task.payloadBytes = UInt64(payload.byteCount)
        task.body = body
        var message = Concord_V1_CoordinatorMessage()
        message.task = task
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                pending[id] = Pending(continuation: continuation, replyLimit: replyLimit)
                outbox.send(message, task: id, payload: payload)
                // Cancelled before the handler below could see the task: give it up now.
                if Task.isCancelled { abandon(id, reason: "the round no longer waits for it") }
            }
        } onCancel: {
            Task { await self.abandon(id, reason: "the round no longer waits for it") }
        }
    }

    private func abandon(_ id: UInt64, reason: String) {
        guard let entry = pending.removeValue(forKey: id) else { return }
        var late = Abandoned(replyLimit: entry.replyLimit)
        if let reply = entry.reply, let assembler = entry.assembler {
            // Part of the reply is in: what came is dropped, the rest will be counted.
            late.expected = reply.payloadBytes
            late.received = UInt64(assembler.bytes.count)
            late.nextIndex = assembler.nextIndex
        }
        abandoned[id] = late
        if abandoned.count > Self.maxAbandoned, let oldest = abandoned.keys.min() { abandoned[oldest] = nil }
        entry.continuation.resume(throwing: CancellationError())
        var cancel = Concord_V1_Cancel()
        cancel.taskID = id
        cancel.reason = reason
        var message = Concord_V1_CoordinatorMessage()
        message.cancel = cancel
        outbox.send(message)
    }

    /// Handles one message from the node; a violation of the protocol ends the session.
    func receive(_ message: Concord_V1_NodeMessage) throws(WireError) {
        lastHeard = .now
        switch message.kind {
        case .heartbeat:
            return
        case .hello:
            throw .protocolViolation("a second Hello on an open session")
        case .reply(let reply):
            try receive(reply)
        case .chunk(let chunk):
            try receive(chunk)
        case .withdrawal(let withdrawal):
            throw .withdrew(String(withdrawal.reason.prefix(4096)))
        case nil:
            throw .malformed("an empty node message")
        }
    }

    private func receive(_ reply: Concord_V1_Reply) throws(WireError) {
        guard var entry = pending[reply.taskID] else {
            // Only a task this session gave up on may still be answered; anything else is refused unread.
            guard var late = abandoned[reply.taskID], late.expected == nil else {
                throw .protocolViolation("a reply to task \(reply.taskID), which awaits none")
            }
            var limit: UInt64 = 0
            if let body = reply.body, case .refusal = body {} else if reply.body != nil { limit = late.replyLimit }
            guard reply.payloadBytes <= limit else { throw .payloadTooLarge(bytes: reply.payloadBytes, limit: limit) }
            onLateReply(reply.taskID)
            late.expected = reply.payloadBytes
            abandoned[reply.taskID] = late.received == reply.payloadBytes ? nil : late
            return
        }
        guard entry.reply == nil else { throw .protocolViolation("a second reply to task \(reply.taskID)") }
        entry.reply = reply
        var limit: UInt64 = 0
        if let body = reply.body, case .refusal = body {} else if reply.body != nil { limit = entry.replyLimit }
        entry.assembler = try PayloadAssembler(expected: reply.payloadBytes, limit: limit)
        pending[reply.taskID] = entry
        try completeIfDone(reply.taskID)
    }

    private func receive(_ chunk: Concord_V1_Chunk) throws(WireError) {
        // Entries leave their dictionary while they grow, so the payload's buffer is never shared and each
        // chunk appends in place instead of copying everything received so far.
        if var late = abandoned[chunk.taskID] {
            guard let expected = late.expected else {
                throw .protocolViolation("a chunk for task \(chunk.taskID), which has no reply header")
            }
            try PayloadAssembler.check(
                index: chunk.index, count: chunk.data.count, due: late.nextIndex, received: late.received,
                expected: expected)
            late.received += UInt64(chunk.data.count)
            late.nextIndex += 1
            abandoned[chunk.taskID] = late.received == expected ? nil : late
            return
        }
        guard var entry = pending.removeValue(forKey: chunk.taskID) else {
            throw .protocolViolation("a chunk for task \(chunk.taskID), which has no reply header")
        }
        guard var assembler = entry.assembler else {
            pending[chunk.taskID] = entry
            throw .protocolViolation("a chunk for task \(chunk.taskID), which has no reply header")
        }
        entry.assembler = nil
        do {
            try assembler.append(index: chunk.index, data: chunk.data)
        } catch {
            entry.continuation.resume(throwing: error)
            throw error
        }
        entry.assembler = assembler
        pending[chunk.taskID] = entry
        try completeIfDone(chunk.taskID)
    }

    private func completeIfDone(_ id: UInt64) throws(WireError) {
        guard let entry = pending[id], let reply = entry.reply, let assembler = entry.assembler,
            assembler.isComplete
        else { return }
        pending[id] = nil
        entry.continuation.resume(returning: Answer(reply: reply, payload: assembler.bytes))
    }

    /// Ends the session: every task still waiting fails with the reason; the outgoing stream closes.
    func close(reason: String) {
        guard closedReason == nil else { return }
        closedReason = reason
        for entry in pending.values { entry.continuation.resume(throwing: WireError.sessionClosed(reason)) }
        pending = [:]
        abandoned = [:]
        outbox.finish()
    }

    /// The largest reply payload a node may send (the Welcome says so).
    static let maxReplyBytes: UInt64 = 1 << 32

    /// How many abandoned tasks a session remembers for their late replies; a reply to an older one ends
    /// the session, as any reply to a task that awaits none.
    static let maxAbandoned = 64
}
