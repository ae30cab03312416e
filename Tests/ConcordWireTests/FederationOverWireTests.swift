import ConcordData
import ConcordFederation
import ConcordNN
import ConcordPrivacy
import Foundation
import Testing

@testable import ConcordWire

@Suite("A federation over gRPC")
struct FederationOverWireTests {
    static let names = ["alpha", "beta", "gamma"]
    static let data = (0..<3).map { WireFixtures.dataset(count: 40 + 10 * $0, seed: UInt64($0 + 1)) }

    static func coordinator(participants: [any ClientProxy]) throws -> Coordinator {
        let model = try ModelZoo.make("logreg", inputShape: [4, 4, 1], classes: 3, seed: 7)
        return try Coordinator(
            strategy: FedAvg(localEpochs: 2, batchSize: 5, learningRate: 0.1), participants: participants,
            initialParameters: Parameters(model: model),
            configuration: CoordinatorConfiguration(
                sampler: FractionSampler(fraction: 1), minFitResults: 3, roundDeadline: .seconds(20), evalEvery: 0,
                seed: 7))
    }

    static func nodes(port: Int, security: (String) -> WireSecurity) -> [Task<String, any Error>] {
        names.indices.map { index in
            let node = Node(
                settings: NodeSettings(
                    host: "127.0.0.1", port: port, name: names[index], security: security(names[index]),
                    data: data[index]),
                log: { _ in })
            return Task { try await node.run() }
        }
    }

    @Test("three nodes train exactly as the same participants in process", arguments: [true, false])
    func matchesInProcess(tls: Bool) async throws {
        let folder = try WireFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pki = try WireFixtures.pki(in: folder, nodes: Self.names)
        let server = try await RunningServer(
            names: Self.names, model: "logreg",
            security: tls
                ? .mutualTLS(
                    certificate: pki.coordinatorCertificatePath, privateKey: pki.coordinatorPrivateKeyPath,
                    trustedCA: pki.caCertificatePath) : .insecure)
        let nodes = Self.nodes(port: server.port) { name in
            tls
                ? .mutualTLS(
                    certificate: pki.nodeCertificatePath(name), privateKey: pki.nodePrivateKeyPath(name),
                    trustedCA: pki.caCertificatePath) : .insecure
        }
        #expect(await server.server.registry.waitUntilConnected(3, timeout: .seconds(120)))
        let remote = try Self.coordinator(participants: server.server.registry.participants)
        let records = await remote.run(rounds: 3).records
        #expect(records.allSatisfy { $0.error == nil && $0.succeeded == 3 })

        let pool = WorkerPool([
            TrainingWorker(model: try ModelZoo.make("logreg", inputShape: [4, 4, 1], classes: 3, seed: 0))
        ])
        let local = try Self.coordinator(
            participants: (0..<3).map { LocalParticipant(id: $0, data: ParticipantDatasets(Self.data), pool: pool) })
        _ = await local.run(rounds: 3)
        let overWire = await remote.parameters.values.map(\.bitPattern)
        let inProcess = await local.parameters.values.map(\.bitPattern)
        #expect(overWire == inProcess)

        for node in nodes { node.cancel() }
        await server.stop()
        #expect(server.events.all.filter { if case .connected = $0 { true } else { false } }.count == 3)
    }
}

@Suite("Privacy over the wire")
struct PrivacyOverWireTests {
    @Test("secure aggregation over gRPC sums exactly what it sums in process")
    func secureAggregation() async throws {
        let names = FederationOverWireTests.names
        let server = try await RunningServer(names: names, model: "logreg", security: .insecure)
        let nodes = FederationOverWireTests.nodes(port: server.port) { _ in .insecure }
        #expect(await server.server.registry.waitUntilConnected(3, timeout: .seconds(120)))

        func coordinator(_ participants: [any ClientProxy]) throws -> Coordinator {
            let model = try ModelZoo.make("logreg", inputShape: [4, 4, 1], classes: 3, seed: 7)
            return try Coordinator(
                strategy: FedAvg(localEpochs: 1, batchSize: 5, learningRate: 0.1), participants: participants,
                initialParameters: Parameters(model: model),
                configuration: CoordinatorConfiguration(
                    sampler: FractionSampler(fraction: 1), minFitResults: 3, roundDeadline: .seconds(20),
                    evalEvery: 0, seed: 7, secureSummation: SecureAggregation()))
        }
        let remote = try coordinator(server.server.registry.participants)
        let records = await remote.run(rounds: 2).records
        #expect(records.allSatisfy { $0.error == nil && $0.succeeded == 3 }, "\(records.map(\.error))")
        #expect(records.first?.metrics["secagg_neighbours"] != nil)

        let pool = WorkerPool([
            TrainingWorker(model: try ModelZoo.make("logreg", inputShape: [4, 4, 1], classes: 3, seed: 0))
        ])
        let local = try coordinator(
            (0..<3).map {
                SecureAggregatingClient(
                    LocalParticipant(id: $0, data: ParticipantDatasets(FederationOverWireTests.data), pool: pool))
            })
        _ = await local.run(rounds: 2)
        #expect(await remote.parameters.values.map(\.bitPattern) == local.parameters.values.map(\.bitPattern))
        for node in nodes { node.cancel() }
        await server.stop()
    }
}
