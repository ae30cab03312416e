import ConcordData
import ConcordFederation
import ConcordNN
import ConcordTesting
import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf
import Testing

@testable import ConcordWire

@Suite("Hostile and mistaken peers")
struct HostilePeerTests {
    static let names = ["alpha", "beta"]

    static func hello(_ name: String, shape: [UInt32] = [4, 4, 1], version: UInt32 = 1) -> Concord_V1_NodeMessage {
        var message = Concord_V1_NodeMessage()
        message.hello.protocolVersion = version
        message.hello.name = name
        message.hello.data.exampleCount = 10
        message.hello.data.exampleShape = shape
        message.hello.data.classCount = 3
        return message
    }

    /// A genuine plaintext node with 20 examples, running until cancelled.
    static func startNode(_ name: String, port: Int) -> Task<String, any Error> {
        let node = Node(
            settings: NodeSettings(
                host: "127.0.0.1", port: port, name: name, security: .insecure,
                data: WireFixtures.dataset(count: 20, seed: 2)),
            log: { _ in })
        return Task { try await node.run() }
    }

    /// Round 1 of logreg on the fixtures' shape.
    static func instruction() throws -> FitInstruction {
        let model = try ModelZoo.make("logreg", inputShape: [4, 4, 1], classes: 3, seed: 1)
        return FitInstruction(
            round: 1, parameters: Parameters(model: model),
            config: FitConfig(localEpochs: 1, batchSize: 5, learningRate: 0.1, seed: 3))
    }

    static func peer(_ port: Int) -> ManualPeer<Concord_V1_NodeMessage> {
        ManualPeer(port: port, serializer: ProtobufSerializer<Concord_V1_NodeMessage>())
    }

    @Test("a node the configuration does not list is refused, and told why")
    func unlisted() async throws {
        let server = try await RunningServer(names: Self.names, model: "logreg", security: .insecure)
        let node = Node(
            settings: NodeSettings(
                host: "127.0.0.1", port: server.port, name: "mallory", security: .insecure,
                data: WireFixtures.dataset(count: 10, seed: 1)),
            log: { _ in })
        await #expect(throws: WireError.rejected("'mallory' is not a participant of this federation's configuration")) {
            _ = try await node.run()
        }
        #expect(server.server.registry.connectedCount == 0)
        await server.stop()
    }

    @Test("a node whose data cannot train the run's model, or that speaks another version, is refused")
    func wrongDataOrVersion() async throws {
        let server = try await RunningServer(names: Self.names, model: "logreg", security: .insecure)
        let shape = try await Self.peer(server.port).exchange([Self.hello("alpha", shape: [28, 28, 1])])
        #expect(shape.rejection?.contains("examples of shape [4, 4, 1]") == true, "\(shape)")
        let version = try await Self.peer(server.port).exchange([Self.hello("alpha", version: 9)])
        #expect(version.rejection?.contains("protocol version 9") == true)
        #expect(server.server.registry.connectedCount == 0)
        await server.stop()
    }

    @Test("a node that declares more examples than the run admits per participant is refused; an excluded one too")
    func declaredExamplesAndExclusion() async throws {
        let server = try await RunningServer(names: Self.names, model: "logreg", security: .insecure, maxExamples: 9)
        let many = try await Self.peer(server.port).exchange([Self.hello("alpha")])
        #expect(many.rejection == "the node declares 10 examples; this run admits at most 9 per participant")
        server.server.registry.participants[1].exclude(because: "3 invalid replies in a row")
        let excluded = try await Self.peer(server.port).exchange([Self.hello("beta")])
        #expect(excluded.rejection == "'beta' is excluded from this run: 3 invalid replies in a row")
        await #expect(throws: WireError.excluded(participant: "beta", reason: "3 invalid replies in a row")) {
            _ = try await server.server.registry.participants[1].fit(try Self.instruction())
        }
        await server.stop()
    }

    @Test("over mutual TLS: another CA's certificate never gets in; a listed certificate cannot claim another name")
    func certificates() async throws {
        let folder = try WireFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pki = try WireFixtures.pki(in: folder, nodes: Self.names)
        let other = try WireFixtures.pki(in: folder.appendingPathComponent("other"), nodes: Self.names)
        let server = try await RunningServer(
            names: Self.names, model: "logreg",
            security: .mutualTLS(
                certificate: pki.coordinatorCertificatePath, privateKey: pki.coordinatorPrivateKeyPath,
                trustedCA: pki.caCertificatePath))
        let data = WireFixtures.dataset(count: 10, seed: 1)
        // alpha's name, but a certificate from another CA (trusting the real CA, so only the client side fails).
        let impostor = Task {
            try await Node(
                settings: NodeSettings(
                    host: "127.0.0.1", port: server.port, name: "alpha",
                    security: .mutualTLS(
                        certificate: other.nodeCertificatePath("alpha"), privateKey: other.nodePrivateKeyPath("alpha"),
                        trustedCA: pki.caCertificatePath), data: data),
                log: { _ in }
            ).run()
        }
        // beta's genuine certificate, presented by a node that says it is alpha.
        let liar = Node(
            settings: NodeSettings(
                host: "127.0.0.1", port: server.port, name: "alpha",
                security: .mutualTLS(
                    certificate: pki.nodeCertificatePath("beta"), privateKey: pki.nodePrivateKeyPath("beta"),
                    trustedCA: pki.caCertificatePath), data: data),
            log: { _ in })
        await #expect(throws: WireError.rejected("the node says it is 'alpha' but its certificate names 'beta'")) {
            _ = try await liar.run()
        }
        try await Task.sleep(for: .seconds(1))
        #expect(server.server.registry.connectedCount == 0)
        #expect(!server.events.all.contains { if case .connected = $0 { true } else { false } })
        impostor.cancel()
        await server.stop()
    }

    @Test("garbage, truncated and oversized messages end the stream with an error; the server keeps serving")
    func fuzz() async throws {
        let server = try await RunningServer(names: Self.names, model: "logreg", security: .insecure)
        let raw = ManualPeer<[UInt8]>(port: server.port, serializer: RawBytesSerializer())
        var generator = SystemRandomNumberGenerator()
        let hello = try Self.hello("alpha").serializedBytes() as [UInt8]
        var inputs: [[UInt8]] = (0..<20).map { _ in
            (0..<Int.random(in: 1...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        inputs += (1..<hello.count).map { Array(hello.prefix($0)) }  // every truncation of a valid Hello
        inputs.append([UInt8](repeating: 0x0A, count: 5 << 20))  // over the 4 MiB message limit
        for input in inputs {
            let outcome = try await raw.exchange([input], timeout: .seconds(30))
            #expect(outcome.ended, "a hostile message hung the stream: \(input.prefix(16))")
        }
        // Valid messages in an invalid order.
        var chunk = Concord_V1_NodeMessage()
        chunk.chunk.taskID = 1
        chunk.chunk.data = Data([1, 2, 3])
        var reply = Concord_V1_NodeMessage()
        reply.reply.taskID = 99
        for script in [
            [chunk], [Self.hello("alpha"), chunk], [Self.hello("alpha"), reply],
            [Self.hello("alpha"), Self.hello("alpha")],
        ] {
            let outcome = try await Self.peer(server.port).exchange(script, timeout: .seconds(30))
            #expect(outcome.ended, "out-of-order messages hung the stream")
        }
        // Raw bytes on the TCP port, not even HTTP/2.
        #expect(try RawSocket.sendGarbage(port: server.port, bytes: 4096))
        // Still serving: a genuine node joins and trains.
        let node = Self.startNode("beta", port: server.port)
        #expect(await server.server.registry.waitUntilConnected(1, timeout: .seconds(120)))
        let beta = try #require(server.server.registry.participant(named: "beta"))
        let update = try await beta.fit(try Self.instruction())
        #expect(update.exampleCount == 20)
        node.cancel()
        await server.stop()
    }

    @Test("a node refuses a model it does not know, with the reason; the coordinator sees it as a failure")
    func unknownModel() async throws {
        let server = try await RunningServer(names: Self.names, model: "resnet152", security: .insecure)
        let node = Self.startNode("alpha", port: server.port)
        #expect(await server.server.registry.waitUntilConnected(1, timeout: .seconds(120)))
        let alpha = try #require(server.server.registry.participant(named: "alpha"))
        await #expect {
            _ = try await alpha.fit(try Self.instruction())
        } throws: { error in
            guard case WireError.refused(let reason) = error else { return false }
            return reason.contains("does not know the model 'resnet152'")
        }
        node.cancel()
        await server.stop()
    }

    @Test("a reply after the round's deadline is discarded and recorded")
    func lateReply() async throws {
        let server = try await RunningServer(names: Self.names, model: "logreg", security: .insecure)
        // A slow node: answers its task 1.5 s after it arrives.
        let slow = Task {
            try await Self.peer(server.port).exchange([Self.hello("alpha")], timeout: .seconds(6)) { message in
                guard case .task(let task) = message.kind, case .fit(let fit) = task.body else { return [] }
                try? await Task.sleep(for: .milliseconds(1500))
                var reply = Concord_V1_NodeMessage()
                reply.reply.taskID = task.id
                reply.reply.fit.exampleCount = 5
                let bytes = (try? WireConversion.expectedBytes(of: fit)) ?? 0
                reply.reply.payloadBytes = bytes
                var chunk = Concord_V1_NodeMessage()
                chunk.chunk.taskID = task.id
                chunk.chunk.data = Data(count: Int(bytes))
                return [reply, chunk]
            }
        }
        #expect(await server.server.registry.waitUntilConnected(1, timeout: .seconds(120)))
        let model = try ModelZoo.make("logreg", inputShape: [4, 4, 1], classes: 3, seed: 1)
        let coordinator = try Coordinator(
            strategy: FedAvg(localEpochs: 1, batchSize: 5, learningRate: 0.1),
            participants: [server.server.registry.participants[0]], initialParameters: Parameters(model: model),
            configuration: CoordinatorConfiguration(
                sampler: FractionSampler(fraction: 1), minFitResults: 1, roundDeadline: .milliseconds(500),
                evalEvery: 0, seed: 1))
        let record = await coordinator.runRound()
        #expect(record.error != nil)
        #expect(record.failures.first?.reason == "missed the round deadline")
        // The reply comes about a second after the deadline; wait for it rather than for a fixed time.
        func late() -> Bool {
            server.events.all.contains { if case .lateReply(participant: "alpha", task: _) = $0 { true } else { false } }
        }
        let end = Date().addingTimeInterval(30)
        while !late(), Date() < end { try await Task.sleep(for: .milliseconds(50)) }
        #expect(late())
        // The late reply was counted and dropped; the session stays.
        #expect(server.server.registry.connectedCount == 1)
        slow.cancel()
        await server.stop()
    }

    @Test("a reply to a task that awaits none ends the session before a byte of it is kept")
    func replyToNoTask() async throws {
        let server = try await RunningServer(names: Self.names, model: "logreg", security: .insecure)
        for taskID: UInt64 in [0, 7] {
            var reply = Concord_V1_NodeMessage()
            reply.reply.taskID = taskID
            reply.reply.fit.exampleCount = 5
            reply.reply.payloadBytes = 1 << 30
            let outcome = try await Self.peer(server.port).exchange([Self.hello("alpha"), reply])
            #expect(outcome.ended)
        }
        let ended = server.events.all.compactMap { event -> String? in
            if case .disconnected(participant: "alpha", let reason) = event { reason } else { nil }
        }
        #expect(
            ended == [
                "protocol violation: a reply to task 0, which awaits none",
                "protocol violation: a reply to task 7, which awaits none",
            ], "\(ended)")
        await server.stop()
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// Writes random bytes straight to a TCP port and reports whether the server closed the connection.
enum RawSocket {
    static func sendGarbage(port: Int, bytes: Int) throws -> Bool {
        guard let connection = try? LoopbackConnection(port: port, from: "127.0.0.1") else { return false }
        // The connection closes its descriptor when it goes: it must outlive every use of `fd`.
        return withExtendedLifetime(connection) {
            let fd = connection.descriptor
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let garbage = (0..<bytes).map { _ in UInt8.random(in: 0...255) }
            _ = garbage.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count == 0 { return true }  // closed by the server
                if count < 0 { return errno == ECONNRESET }  // reset counts as closed; a time-out does not
            }
        }
    }
}
