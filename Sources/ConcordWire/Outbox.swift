import Foundation
import GRPCCore

/// The outgoing messages of one session, written in order by a single task: headers are followed at once
/// by their payload's chunks, so several tasks in flight never interleave their bytes out of order.
final class Outbox<Message: Sendable>: Sendable {
    enum Item: Sendable {
        case message(Message)
        case payload(header: Message, task: UInt64, Payload)
    }

    private let stream: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation
    private let wrapChunk: @Sendable (Concord_V1_Chunk) -> Message
    private let traffic: WireTraffic?

    /// - Parameters:
    ///   - traffic: counts the payload bytes written, when given.
    ///   - wrapChunk: puts a chunk in this side's message type.
    init(traffic: WireTraffic? = nil, wrapChunk: @escaping @Sendable (Concord_V1_Chunk) -> Message) {
        (stream, continuation) = AsyncStream.makeStream(of: Item.self)
        self.wrapChunk = wrapChunk
        self.traffic = traffic
    }

    /// Queues a message.
    func send(_ message: Message) { continuation.yield(.message(message)) }

    /// Queues a header and the chunks of its payload.
    func send(_ header: Message, task: UInt64, payload: Payload) {
        continuation.yield(.payload(header: header, task: task, payload))
    }

    /// Ends the stream once everything queued has been written.
    func finish() { continuation.finish() }

    /// Writes everything queued until ``finish()``; gRPC's flow control paces the chunks.
    func drain(into writer: RPCWriter<Message>) async throws {
        for await item in stream {
            switch item {
            case .message(let message):
                try await writer.write(message)
            case .payload(let header, let task, let payload):
                try await writer.write(header)
                var index: UInt32 = 0
                for data in payload.chunks() {
                    var chunk = Concord_V1_Chunk()
                    chunk.taskID = task
                    chunk.index = index
                    chunk.data = data
                    try await writer.write(wrapChunk(chunk))
                    traffic?.didSend(data.count)
                    index += 1
                }
            }
        }
    }
}
