import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import Synchronization

@testable import ConcordWire

/// A participant with a valid certificate that misbehaves: it joins a real `concord serve` over mutual
/// TLS like a node, then answers each fit task as `answer` says, and joins again whenever the
/// coordinator ends its session, until stopped or refused.
final class HostileNode: Sendable {
    /// How a hostile node answers one fit task: the messages it sends, header and chunks.
    typealias Answer = @Sendable (_ task: Concord_V1_Task, _ scalars: Int, _ declared: UInt64) -> [Concord_V1_NodeMessage]

    let name: String
    private let examples: UInt64
    private let running: Task<Void, Never>
    private let shared = Shared()

    private struct State {
        var sessions = 0
        var rejection: String?
        var lastError: String?
    }

    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    /// Joins `port` as `name` with the certificate `pki` holds for it, declaring `examples` examples of MNIST's
    /// shape.
    init(name: String, port: Int, pki: String, examples: UInt64, answer: @escaping Answer) {
        self.name = name
        self.examples = examples
        let security = WireSecurity.mutualTLS(
            certificate: "\(pki)/nodes/\(name).pem", privateKey: "\(pki)/nodes/\(name)-key.pem",
            trustedCA: "\(pki)/ca.pem")
        let shared = self.shared
        running = Task {
            while !Task.isCancelled {
                shared.state.withLock { $0.sessions += 1 }
                do {
                    try await Self.session(
                        name: name, port: port, security: security, examples: examples, answer: answer)
                } catch let error as WireError {
                    if case .rejected(let reason) = error {
                        shared.state.withLock { $0.rejection = reason }
                        return
                    }
                    shared.state.withLock { $0.lastError = "\(error)" }
                } catch {
                    shared.state.withLock { $0.lastError = "\(error)" }
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// The sessions it opened so far.
    var sessions: Int { shared.state.withLock { $0.sessions } }
    /// The coordinator's rejection, once it refused the node for good.
    var rejection: String? { shared.state.withLock { $0.rejection } }

    func stop() async {
        running.cancel()
        _ = await running.value
    }

    private static func session(
        name: String, port: Int, security: WireSecurity, examples: UInt64, answer: @escaping Answer
    ) async throws {
        var hello = Concord_V1_NodeMessage()
        hello.hello.protocolVersion = FederationService.protocolVersion
        hello.hello.name = name
        hello.hello.data.exampleCount = examples
        hello.hello.data.exampleShape = [28, 28, 1]
        hello.hello.data.classCount = 10
        let (outgoing, continuation) = AsyncStream.makeStream(of: Concord_V1_NodeMessage.self)
        continuation.yield(hello)
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: security.client(checkingWith: nil))
        defer { continuation.finish() }
        try await withGRPCClient(transport: transport) { client in
            let federation = Concord_V1_Federation.Client(wrapping: client)
            try await federation.join(
                requestProducer: { writer in
                    for await message in outgoing { try await writer.write(message) }
                },
                onResponse: { response in
                    for try await message in response.messages {
                        switch message.kind {
                        case .rejection(let rejection): throw WireError.rejected(rejection.reason)
                        case .farewell: return
                        case .heartbeat:
                            var beat = Concord_V1_NodeMessage()
                            beat.heartbeat.sequence = 1
                            continuation.yield(beat)
                        case .task(let task):
                            guard case .fit(let fit) = task.body else {
                                var reply = Concord_V1_NodeMessage()
                                reply.reply.taskID = task.id
                                reply.reply.refusal.reason = "this node only trains"
                                continuation.yield(reply)
                                continue
                            }
                            let scalars = try WireConversion.layout(fit.layout).scalarCount
                            for message in answer(task, scalars, examples) { continuation.yield(message) }
                        default: continue
                        }
                    }
                })
        }
    }

    /// A fit reply to `task` of `values` (the parameters, in as many chunks as they take) claiming
    /// `examples` examples.
    static func reply(to task: Concord_V1_Task, values: [Float], examples: UInt64) -> [Concord_V1_NodeMessage] {
        var header = Concord_V1_NodeMessage()
        header.reply.taskID = task.id
        header.reply.fit.exampleCount = examples
        header.reply.fit.steps = 1
        header.reply.payloadBytes = UInt64(values.count * 4)
        var messages = [header]
        for (index, chunk) in Payload.floats(values).chunks().enumerated() {
            var message = Concord_V1_NodeMessage()
            message.chunk.taskID = task.id
            message.chunk.index = UInt32(index)
            message.chunk.data = chunk
            messages.append(message)
        }
        return messages
    }
}
