import ConcordFederation
import ConcordNN
import ConcordTesting
import Foundation
import Testing

@testable import ConcordWire

/// Peers that hold the coordinator's resources without doing their part: connections that never start
/// TLS, and a node that joins and then never answers.
@Suite("Idle and silent peers")
struct IdlePeerTests {
    @Test("200 connections that never start TLS are closed by the deadline while three nodes train")
    func idleFlood() async throws {
        let names = FederationOverWireTests.names
        let folder = try WireFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pki = try WireFixtures.pki(in: folder, nodes: names)
        let deadline = 1.0
        let server = try await RunningServer(
            names: names, model: "logreg",
            security: .mutualTLS(
                certificate: pki.coordinatorCertificatePath, privateKey: pki.coordinatorPrivateKeyPath,
                trustedCA: pki.caCertificatePath),
            limits: ConnectionLimits(handshakeDeadline: .seconds(deadline), maxPending: 512, maxPendingPerAddress: 50))
        // The flood comes from 127.0.0.2, the nodes from 127.0.0.1: one host's flood must not keep out another.
        let opened = Date()
        let flood = try (0..<200).map { _ in try LoopbackConnection(port: server.port, from: "127.0.0.2") }
        let nodes = FederationOverWireTests.nodes(port: server.port) { name in
            .mutualTLS(
                certificate: pki.nodeCertificatePath(name), privateKey: pki.nodePrivateKeyPath(name),
                trustedCA: pki.caCertificatePath)
        }
        #expect(await server.server.registry.waitUntilConnected(3, timeout: .seconds(120)))

        // Every idle connection is closed: those over the per-address cap at once, the others at the deadline.
        let end = Date().addingTimeInterval(deadline + 20)
        while Date() < end, !flood.allSatisfy(\.isClosed) { try await Task.sleep(for: .milliseconds(50)) }
        let open = flood.filter { !$0.isClosed }.count
        #expect(open == 0, "\(open) idle connections left open")
        #expect(Date().timeIntervalSince(opened) < deadline + 10)
        let events = server.events.all.compactMap { event -> String? in
            if case .connectionClosed(let peer, let reason) = event, peer.contains("127.0.0.2") { reason } else { nil }
        }
        #expect(events.count == 200)
        // The first 50 are let wait and time out; the rest are refused while 50 wait (how many of them find a
        // free place depends on how fast they are accepted).
        let timedOut = events.filter { $0.hasPrefix("no gRPC stream within") }.count
        let refused = events.filter { $0.hasPrefix("50 connections from 127.0.0.2 are already waiting") }.count
        #expect(timedOut >= 50 && timedOut + refused == 200, "\(timedOut) timed out, \(refused) refused")
        #expect(server.server.pendingConnections == 0)

        // The nodes that got in while the flood was waiting train as usual.
        let coordinator = try FederationOverWireTests.coordinator(participants: server.server.registry.participants)
        let records = await coordinator.run(rounds: 2).records
        #expect(records.count == 2 && records.allSatisfy { $0.error == nil && $0.succeeded == 3 })

        for node in nodes { node.cancel() }
        await server.stop()
    }

    @Test("a node that joins and never answers fails the round's deadline; the others' round completes")
    func silentNode() async throws {
        let names = ["alpha", "beta", "mute"]
        let server = try await RunningServer(names: names, model: "logreg", security: .insecure)
        let honest = ["alpha", "beta"].map { HostilePeerTests.startNode($0, port: server.port) }
        // Says Hello, then nothing: no heartbeat, no reply.
        let mute = Task {
            try await HostilePeerTests.peer(server.port).exchange(
                [HostilePeerTests.hello("mute")], timeout: .seconds(30))
        }
        #expect(await server.server.registry.waitUntilConnected(3, timeout: .seconds(120)))
        let model = try ModelZoo.make("logreg", inputShape: [4, 4, 1], classes: 3, seed: 1)
        let coordinator = try Coordinator(
            strategy: FedAvg(localEpochs: 1, batchSize: 5, learningRate: 0.1),
            participants: server.server.registry.participants, initialParameters: Parameters(model: model),
            configuration: CoordinatorConfiguration(
                sampler: FractionSampler(fraction: 1), minFitResults: 2, roundDeadline: .seconds(8), evalEvery: 0,
                seed: 1))
        let record = await coordinator.runRound()
        #expect(record.error == nil)
        #expect(record.succeeded == 2)
        #expect(record.failures.map(\.participant) == [2])
        // Silent for three heartbeat intervals: the coordinator ends its session.
        let outcome = try await mute.value
        #expect(outcome.ended, "the coordinator kept a silent node's session open")
        for node in honest { node.cancel() }
        await server.stop()
    }
}
