import ConcordFederation
import ConcordNN
import ConcordPrivacy
import ConcordTesting
import Testing

@testable import ConcordGovernance

@Suite("A participant enforces the charter it signed and its own ε cap")
struct GovernedParticipantTests {
    static let layout = ParameterLayoutFixture.small

    func governed(cap: Double) throws -> GovernedParticipant {
        let identity = SigningIdentity.simulated(seed: 3, participant: "p")
        let coordinator = SigningIdentity.simulated(seed: 3, participant: "c")
        var charter = try Charter(
            federation: "test", coordinator: .init(name: "c", publicKey: coordinator.publicKey),
            participants: [.init(name: "p", id: 0, publicKey: identity.publicKey, epsilonCap: cap)],
            tasks: [.init(model: "logreg", layoutHash: Self.layout.sha256, strategies: ["fedavg"], maxRounds: 100)],
            privacy: .init(secureAggregationRequired: false, minNoiseMultiplier: 1, maxDelta: 1e-5, maxEpsilon: 8),
            releaseQuorum: 1)
        try charter.addSignature(with: identity)
        let participant = try #require(charter.participant(id: 0))
        return GovernedParticipant(
            honest: ScriptedParticipant(
                id: 0, behaviour: .answer(values: [Float](repeating: 1, count: 15), examples: 5)),
            governor: try ParticipantGovernor(charter: charter, participant: participant))
    }

    func instruction(round: Int, z: Double?, layout: ParameterLayout = layout) -> FitInstruction {
        var config = FitConfig(localEpochs: 1, batchSize: 1, learningRate: 0.1, seed: 1)
        config.privacy = z.map { PrivacyMechanism(samplingRate: 0.5, noiseMultiplier: $0, delta: 1e-5, clipNorm: 1) }
        return FitInstruction(round: round, parameters: .zeros(layout), config: config)
    }

    @Test func tasksOutsideTheCharterAreRefused() async throws {
        let p = try governed(cap: 8)
        let foreign = ParameterLayout([.init(name: "evil.weight", shape: [15])])
        await #expect(throws: CharterViolation.self) { try await p.fit(instruction(round: 1, z: 1, layout: foreign)) }
        await #expect(throws: CharterViolation.self) { try await p.fit(instruction(round: 1, z: 0.5)) }
        await #expect(throws: (any Error).self) { try await p.fit(instruction(round: 1, z: nil)) }
        _ = try await p.fit(instruction(round: 1, z: 1))
    }

    @Test func theParticipantAccountsEveryRoundAndStopsAtItsCap() async throws {
        let p = try governed(cap: 3)
        _ = try await p.fit(instruction(round: 1, z: 2))
        _ = try await p.fit(instruction(round: 4, z: 2))
        let ledger = await p.governor.ledger
        #expect(ledger.rounds.map(\.round) == [1, 2, 3, 4], "rounds it was not drawn in count too")
        let expected = try RDPAccountant.epsilon(samplingRate: 0.5, noiseMultiplier: 2, steps: 4, delta: 1e-5)
        #expect(abs(ledger.epsilonSpent - expected) < 1e-9)
        var refused: GovernanceRefusal?
        for round in 5...100 {
            do {
                _ = try await p.fit(instruction(round: round, z: 2))
            } catch let refusal as GovernanceRefusal {
                refused = refusal
                break
            }
        }
        let refusal = try #require(refused, "the cap of 3 is reached within 100 rounds")
        #expect(refusal.description.contains("cap ε = 3"))
        #expect(await p.governor.epsilonSpent <= 3)
    }
}
