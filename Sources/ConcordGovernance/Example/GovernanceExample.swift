import ConcordNN
import ConcordPrivacy
import Foundation

/// A complete, consistent governance record of a simulated federation, for demonstrations, benchmarks and tests:
/// a charter signed by every participant, a run's sealed audit log with every receipt, a model file, and its
/// release co-signed by a quorum. All keys are ``SigningIdentity/simulated(seed:participant:)`` keys: NOT FOR
/// PRODUCTION.
package struct GovernanceExample: Sendable {
    /// The coordinator's name in the charter.
    package static let coordinatorName = "coordinator"

    package var charter: Charter
    package var coordinator: SigningIdentity
    package var participants: [(name: String, identity: SigningIdentity)]
    package var log: AuditLog
    package var model: [UInt8]
    package var release: SignedRelease

    /// Builds the record.
    ///
    /// - Parameters:
    ///   - seed: the seed of the simulated keys and of the model.
    ///   - participantCount: how many participants (each takes part in every round, q = 1).
    ///   - rounds: the rounds of the run (each adds 4 + participantCount entries).
    ///   - quorum: the release quorum.
    ///   - cosigners: how many participants co-sign the release (default: the quorum).
    ///   - aggregateWitnesses: whether every participant also countersigns each aggregate (each always
    ///     countersigns its own update).
    package static func make(
        seed: UInt64 = 1, participantCount: Int = 3, rounds: Int = 2, quorum: Int = 2, cosigners: Int? = nil,
        aggregateWitnesses: Bool = false
    ) throws -> GovernanceExample {
        let coordinator = SigningIdentity.simulated(seed: seed, participant: coordinatorName)
        let participants = (0..<participantCount).map { i in
            (name: "participant-\(i)", identity: SigningIdentity.simulated(seed: seed, participant: "participant-\(i)"))
        }
        let network = try ModelZoo.make("logreg", seed: seed)
        let model = try Safetensors.encode(network.stateDictionary())
        var charter = try Charter(
            federation: "example-federation",
            coordinator: .init(name: coordinatorName, publicKey: coordinator.publicKey),
            participants: participants.enumerated().map { i, participant in
                .init(name: participant.name, id: i, publicKey: participant.identity.publicKey, epsilonCap: 1000)
            },
            tasks: [
                .init(
                    model: "logreg", layoutHash: network.layout.sha256, strategies: ["fedavg", "median"],
                    maxRounds: max(rounds, 1))
            ],
            privacy: .init(secureAggregationRequired: true, minNoiseMultiplier: 1.0, maxDelta: 1e-5, maxEpsilon: 1000),
            releaseQuorum: quorum)
        for participant in participants { try charter.addSignature(with: participant.identity) }

        let request = RunRequest(
            model: "logreg", layout: network.layout, strategy: "fedavg", rounds: rounds, noiseMultiplier: 2.0,
            delta: 1e-5, epsilonBudget: 1000, secureAggregation: true)
        try charter.check(request)
        let names = participants.map(\.name)
        var log = AuditLog()
        var clock = Date(timeIntervalSince1970: 1_750_000_000)
        func tick() -> Date {
            clock += 0.25
            return clock
        }
        func countersign(_ entry: AuditEntry) throws {
            for participant in participants where entry.witnesses.contains(participant.name) {
                try log.attach(
                    Receipt.countersign(
                        entry, as: participant.name, with: participant.identity, coordinator: coordinator.publicKey))
            }
        }
        try log.append(.runStarted(charterHash: charter.hash, request: request), signedBy: coordinator, at: tick())
        var accountant = RDPAccountant()
        var epsilon = 0.0
        for round in 1...max(rounds, 1) where rounds > 0 {
            try log.append(
                .roundConfigured(round: round, samplingRate: 1, noiseMultiplier: 2, clipNorm: 1, delta: 1e-5),
                signedBy: coordinator, at: tick())
            try log.append(
                .participantsChosen(round: round, participants: Array(0..<participantCount)), signedBy: coordinator,
                at: tick())
            for name in names {
                let update = SHA256Hex.of(Array("update \(round) \(name)".utf8))
                try countersign(
                    log.append(
                        .updateReceived(round: round, participant: name, updateHash: update), signedBy: coordinator,
                        at: tick()))
            }
            try countersign(
                log.append(
                    .aggregateProduced(
                        round: round, aggregateHash: SHA256Hex.of(Array("aggregate \(round)".utf8)),
                        witnesses: aggregateWitnesses ? names : []),
                    signedBy: coordinator, at: tick()))
            try accountant.compose(samplingRate: 1, noiseMultiplier: 2)
            epsilon = try accountant.epsilon(delta: 1e-5).epsilon
            try log.append(
                .epsilonSpent(
                    round: round, epsilon: epsilon, delta: 1e-5,
                    perParticipant: Dictionary(uniqueKeysWithValues: names.map { ($0, epsilon) })),
                signedBy: coordinator, at: tick())
        }
        let modelHash = SHA256Hex.of(model)
        try log.append(.modelReleased(modelHash: modelHash, round: rounds), signedBy: coordinator, at: tick())
        let head = try log.seal(signedBy: coordinator, at: tick())

        let manifest = ReleaseManifest(
            federation: charter.federation, charterHash: charter.hash, modelBytes: model, auditHead: head,
            rounds: rounds, epsilonSpent: Dictionary(uniqueKeysWithValues: names.map { ($0, epsilon) }),
            metrics: ["accuracy": 0.9125, "loss": 0.3], created: tick())
        var release = try SignedRelease(manifest: manifest, coordinator: coordinatorName, identity: coordinator)
        for participant in participants.prefix(cosigners ?? quorum) {
            try release.sign(as: participant.name, with: participant.identity)
        }
        return GovernanceExample(
            charter: charter, coordinator: coordinator, participants: participants, log: log, model: model,
            release: release)
    }
}
