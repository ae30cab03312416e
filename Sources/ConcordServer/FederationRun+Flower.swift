import ConcordData
import ConcordNN
import ConcordWire
import Foundation

extension FederationRun {
    /// Why this run takes no Flower clients, or nil when it takes them: secure aggregation masks each update in
    /// Concord's own node, which a Flower client does not run.
    var flowerRefusal: String? {
        guard secureSummation != nil else { return nil }
        return "run '\(config.run)' uses secure aggregation, whose masking runs in Concord's node (`concord node`); "
            + "a Flower client cannot take part"
    }

    /// Binds and starts the Flower listener when the configuration asks for one (`flower_listen`).
    ///
    /// - Throws: ``WireError`` when the token secret cannot be read or the address cannot be listened on.
    func startFlower(
        registry: ParticipantRegistry, exampleShape: [Int], classCount: Int, events: EventRecorder
    ) throws
        -> (server: FlowerServer, serving: Task<Void, any Error>)?
    {
        guard let address = config.flowerListenAddress, let secret = config.flowerTokenSecret else { return nil }
        let tokens = try FlowerTokens(secretFile: secret)
        let scalars = try ModelZoo.parameterCount(
            config.model, inputShape: exampleShape, classes: classCount)
        let server = try FlowerServer(
            host: address.host, port: address.port, security: security, registry: registry,
            settings: FlowerSettings(
                tokens: tokens, refusal: flowerRefusal, maxExamplesPerParticipant: config.maxExamplesPerParticipant),
            maxMessageBytes: FlowerServer.maxMessageBytes(forScalars: scalars), onEvent: { events.record($0) })
        return (server, Task { try await server.serve() })
    }
}
