import ConcordData
import ConcordFederation
import ConcordNN
import ConcordTensor
import Foundation
import Synchronization

@testable import ConcordWire

/// Small datasets, a federation's PKI in a temporary folder, and a running coordinator endpoint.
enum WireFixtures {
    /// `count` random 4×4 one-channel examples over 3 classes, reproducible from `seed`.
    static func dataset(count: Int, seed: UInt64) -> Dataset {
        var generator = SeededGenerator(seed: seed)
        let features = (0..<count * 16).map { _ in Float.random(in: 0...1, using: &generator) }
        let labels = (0..<count).map { _ in Int32.random(in: 0..<3, using: &generator) }
        return Dataset(features: Tensor(shape: [count, 4, 4, 1], scalars: features), labels: labels, classCount: 3)
    }

    /// A temporary folder, removed by the caller.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("concord-wire-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A CA, the coordinator's identity and the nodes' in `folder`.
    static func pki(in folder: URL, nodes: [String]) throws -> PKIDirectory {
        let ca = try FederationCA.create(name: "Test Federation CA")
        let directory = PKIDirectory(path: folder.path)
        try directory.write(
            ca: ca, coordinator: try ca.issueCoordinator(hosts: ["localhost", "127.0.0.1"]),
            nodes: try nodes.map { try ca.issueNode(name: $0) })
        return directory
    }
}

/// A coordinator endpoint serving in the background for one test.
final class RunningServer: Sendable {
    let server: CoordinatorServer
    let port: Int
    let task: Task<Void, any Error>
    let events: EventLog

    init(
        names: [String], model: String, security: WireSecurity, heartbeat: Duration = .seconds(1),
        limits: ConnectionLimits = ConnectionLimits(), maxExamples: Int? = nil
    ) async throws {
        let events = EventLog()
        let registry = try ParticipantRegistry(names: names, model: model)
        server = try CoordinatorServer(
            host: "127.0.0.1", port: 0, security: security, registry: registry,
            settings: ServiceSettings(
                run: "test", exampleShape: [4, 4, 1], classCount: 3, heartbeatInterval: heartbeat,
                helloTimeout: .seconds(2), connectionLimits: limits, maxExamplesPerParticipant: maxExamples),
            onEvent: { events.append($0) })
        let server = self.server
        task = Task { try await server.serve() }
        port = server.port
        self.events = events
    }

    func stop() async { await server.shutDown(serving: task, grace: .seconds(2)) }
}

/// Session events, in order, readable from a test.
final class EventLog: Sendable {
    private let events = Mutex<[SessionEvent]>([])
    func append(_ event: SessionEvent) { events.withLock { $0.append(event) } }
    var all: [SessionEvent] { events.withLock { $0 } }
}
