import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf

@testable import ConcordWire

/// A peer driven by hand over plaintext gRPC: sends whatever `Serializer` makes of its messages, and
/// reads what the coordinator answers, so tests can be a hostile or slow node.
struct ManualPeer<Message: Sendable> {
    let port: Int
    let serializer: any MessageSerializer<Message>

    /// Opens a Join stream, sends `messages`, then collects the coordinator's messages until it ends the
    /// stream or `timeout` passes; `react` may answer each message with more.
    func exchange(
        _ messages: [Message], timeout: Duration = .seconds(30),
        react: @escaping @Sendable (Concord_V1_CoordinatorMessage) async -> [Message] = { _ in [] }
    ) async throws -> Outcome {
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
        let (outgoing, continuation) = AsyncStream.makeStream(of: Message.self)
        for message in messages { continuation.yield(message) }
        let serializer = self.serializer
        return try await withGRPCClient(transport: transport) { client in
            let request = StreamingClientRequest<Message>(metadata: [:]) { writer in
                for await message in outgoing { try await writer.write(message) }
            }
            do {
                let received = try await withThrowingTaskGroup(of: [Concord_V1_CoordinatorMessage]?.self) { group in
                    group.addTask {
                        try await client.bidirectionalStreaming(
                            request: request, descriptor: Concord_V1_Federation.Method.Join.descriptor,
                            serializer: serializer,
                            deserializer: ProtobufDeserializer<Concord_V1_CoordinatorMessage>(),
                            options: .defaults
                        ) { response in
                            var received: [Concord_V1_CoordinatorMessage] = []
                            for try await message in response.messages {
                                received.append(message)
                                for answer in await react(message) { continuation.yield(answer) }
                            }
                            return received
                        }
                    }
                    group.addTask {
                        try await Task.sleep(for: timeout)
                        return nil
                    }
                    defer { group.cancelAll() }
                    guard let first = try await group.next() else { return [Concord_V1_CoordinatorMessage]?.none }
                    return first
                }
                continuation.finish()
                guard let received else { return .timedOut }
                return .ended(received, nil)
            } catch {
                continuation.finish()
                return .ended([], error)
            }
        }
    }
}

/// How an exchange ended.
enum Outcome {
    /// The coordinator ended the stream (with an error, for a failed RPC), after sending these messages.
    case ended([Concord_V1_CoordinatorMessage], (any Error)?)
    /// It neither ended the stream nor answered within the time allowed: a hang.
    case timedOut

    /// The coordinator's rejection reason, if it sent one.
    var rejection: String? {
        guard case .ended(let messages, _) = self else { return nil }
        return messages.lazy.compactMap { if case .rejection(let r) = $0.kind { r.reason } else { nil } }.first
    }

    /// Whether the stream ended (not a hang).
    var ended: Bool { if case .ended = self { true } else { false } }
}

/// Sends the bytes as they are: garbage, truncated or oversized messages.
struct RawBytesSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
}
