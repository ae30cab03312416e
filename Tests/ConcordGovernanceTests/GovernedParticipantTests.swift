import ConcordFederation
import ConcordNN
import ConcordPrivacy
import ConcordTesting
import Testing

@testable import ConcordGovernance

@Suite("A participant enforces the charter it signed and its own ε cap")
struct GovernedParticipantTests {
    static let layout = ParameterLayoutFixture.small

    /// A charter in force with one participant "p" (simulated keys of seed 3) and its coordinator "c".
    static func charter(cap: Double, secureAggregation: Bool = false) throws -> Charter {
        let identity = SigningIdentity.simulated(seed: 3, participant: "p")
        let coordinator = SigningIdentity.simulated(seed: 3, participant: "c")
        var charter = try Charter(
            federation: "test", coordinator: .init(name: "c", publicKey: coordinator.publicKey),
            participants: [.init(name: "p", id: 0, publicKey: identity.publicKey, epsilonCap: cap)],
            tasks: [.init(model: "logreg", layoutHash: Self.layout.sha256, strategies: ["fedavg"], maxRounds: 100)],
            privacy: .init(
                secureAggregationRequired: secureAggregation, minNoiseMultiplier: 1, maxDelta: 1e-5, maxEpsilon: 8),
            releaseQuorum: 1)
        try charter.addSignature(with: identity)
        return charter
    }

    func governed(cap: Double) throws -> GovernedParticipant {
        let charter = try Self.charter(cap: cap)
        let participant = try #require(charter.participant(id: 0))
        return GovernedParticipant(
            honest: ScriptedParticipant(
                id: 0, behaviour: .answer(values: [Float](repeating: 1, count: 15), examples: 5)),
            governor: try ParticipantGovernor(charter: charter, participant: participant))
    }

    /// A round's instruction, under the charter whose hash is `charter` (none when nil).
    func instruction(
        round: Int, z: Double?, layout: ParameterLayout = layout, charter: String? = nil, secure: Bool = false
    ) -> FitInstruction {
        var config = FitConfig(localEpochs: 1, batchSize: 1, learningRate: 0.1, seed: 1)
        config.privacy = z.map { PrivacyMechanism(samplingRate: 0.5, noiseMultiplier: $0, delta: 1e-5, clipNorm: 1) }
        return FitInstruction(
            round: round, parameters: .zeros(layout), config: config, charterHash: charter, secureAggregation: secure)
    }

    @Test func tasksOutsideTheCharterAreRefused() async throws {
        let p = try governed(cap: 8)
        let hash = await p.governor.charter.hash
        let foreign = ParameterLayout([.init(name: "evil.weight", shape: [15])])
        await #expect(throws: CharterViolation.self) {
            try await p.fit(instruction(round: 1, z: 1, layout: foreign, charter: hash))
        }
        await #expect(throws: CharterViolation.self) { try await p.fit(instruction(round: 1, z: 0.5, charter: hash)) }
        await #expect(throws: (any Error).self) { try await p.fit(instruction(round: 1, z: nil, charter: hash)) }
        _ = try await p.fit(instruction(round: 1, z: 1, charter: hash))
    }

    @Test func aRoundUnderNoCharterOrAnotherIsRefusedNamingTheClause() async throws {
        let p = try governed(cap: 8)
        for claimed in [nil, String(repeating: "ab", count: 32)] {
            do {
                _ = try await p.fit(instruction(round: 1, z: 1, charter: claimed))
                Issue.record("a round under \(claimed ?? "no charter") was admitted")
            } catch let violation as CharterViolation {
                #expect(violation.clause == "charter", "\(violation)")
            }
        }
        #expect(await p.governor.ledger.rounds.isEmpty, "a refused round costs nothing")
    }

    @Test func aCharterRequiringSecureAggregationRefusesPlainRounds() async throws {
        let charter = try Self.charter(cap: 8, secureAggregation: true)
        let p = GovernedParticipant(
            honest: ScriptedParticipant(id: 0, behaviour: .answer(values: [Float](repeating: 1, count: 15), examples: 5)),
            governor: try ParticipantGovernor(charter: charter, participant: try #require(charter.participant(id: 0))))
        do {
            _ = try await p.fit(instruction(round: 1, z: 1, charter: charter.hash))
            Issue.record("a plain round was admitted")
        } catch let violation as CharterViolation {
            #expect(violation.clause == "privacy.secure_aggregation", "\(violation)")
        }
        _ = try await p.fit(instruction(round: 1, z: 1, charter: charter.hash, secure: true))
    }

    @Test func theParticipantAccountsEveryRoundAndStopsAtItsCap() async throws {
        let p = try governed(cap: 3)
        let hash = await p.governor.charter.hash
        _ = try await p.fit(instruction(round: 1, z: 2, charter: hash))
        _ = try await p.fit(instruction(round: 4, z: 2, charter: hash))
        let ledger = await p.governor.ledger
        #expect(ledger.rounds.map(\.round) == [1, 2, 3, 4], "rounds it was not drawn in count too")
        let expected = try RDPAccountant.epsilon(samplingRate: 0.5, noiseMultiplier: 2, steps: 4, delta: 1e-5)
        #expect(abs(ledger.epsilonSpent - expected) < 1e-9)
        var refused: GovernanceRefusal?
        for round in 5...100 {
            do {
                _ = try await p.fit(instruction(round: round, z: 2, charter: hash))
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
