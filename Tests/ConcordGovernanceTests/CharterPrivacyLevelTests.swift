import ConcordFederation
import ConcordNN
import ConcordPrivacy
import Foundation
import Testing

@testable import ConcordGovernance

@Suite("Charter privacy level: user-level charters keep their bytes, record-level ones govern DP-SGD")
struct CharterPrivacyLevelTests {
    static func recordLevel() throws -> Charter {
        var charter = try Fixture.get().charter
        charter.privacy.level = .record
        charter.signatures = [:]
        return charter
    }

    @Test func aUserLevelCharterKeepsItsCanonicalBytesAndARecordLevelOneSaysSo() throws {
        let user = try Fixture.get().charter
        let bytes = String(decoding: user.canonicalBytes, as: UTF8.self)
        #expect(!bytes.contains("\"level\""), "a user-level charter's bytes must not change: \(bytes)")
        #expect(try Charter(yaml: user.yamlText).hash == user.hash)
        let record = try Self.recordLevel()
        #expect(String(decoding: record.canonicalBytes, as: UTF8.self).contains("\"level\":\"record\""))
        #expect(record.hash != user.hash)
        #expect(record.yamlText.contains("  level: record\n"))
        let parsed = try Charter(yaml: record.yamlText)
        #expect(parsed.privacy.level == .record && parsed.hash == record.hash)
        // `level: user` written out is the same charter as no level at all.
        let explicit = user.yamlText.replacingOccurrences(of: "privacy:\n", with: "privacy:\n  level: user\n")
        #expect(try Charter(yaml: explicit).hash == user.hash)
    }

    @Test func anUnknownLevelIsRefusedNamingTheField() throws {
        let yaml = try Fixture.get().charter.yamlText.replacingOccurrences(
            of: "privacy:\n", with: "privacy:\n  level: patient\n")
        #expect {
            try Charter(yaml: yaml)
        } throws: { error in
            guard let error = error as? CharterError else { return false }
            return error.field == "privacy.level" && error.reason.contains("'user' or 'record', got 'patient'")
        }
    }

    @Test func aRunMustBeAtTheCharterLevelAndARecordRunsBudgetIsEachNodesEpsilon() throws {
        let user = try Fixture.get().charter, record = try Self.recordLevel()
        var request = try CharterCheckTests.request()
        try user.check(request)
        #expect {
            try record.check(request)
        } throws: { ($0 as? CharterViolation)?.description == "privacy.level: the charter's guarantee is record-level, the run's DP is user-level" }
        request.level = .record
        #expect(throws: CharterViolation.self) { try user.check(request) }
        try record.check(request)
        request.epsilonBudget = record.privacy.maxEpsilon * 2
        #expect { try record.check(request) } throws: { ($0 as? CharterViolation)?.clause == "privacy.max_epsilon" }
    }

    @Test func aParticipantUnderARecordLevelCharterChecksDPSGDsSigmaAndDelta() async throws {
        var record = try GovernedParticipantTests.charter(cap: 3)
        record.privacy.level = .record
        let participant = try #require(record.participant(id: 0))
        let governor = try ParticipantGovernor(charter: record, participant: participant)
        func instruction(sigma: Double?, delta: Double = 1e-5) -> FitInstruction {
            var config = FitConfig(localEpochs: 1, batchSize: 0, learningRate: 0.1, seed: 1)
            if let sigma {
                config.recordPrivacy = DPSGDConfiguration(clipNorm: 1, noiseMultiplier: sigma, samplingRate: 0.05)
                config.recordPrivacyDelta = delta
            }
            return FitInstruction(
                round: 1, parameters: .zeros(GovernedParticipantTests.layout), config: config, charterHash: record.hash)
        }
        try await governor.admit(instruction(sigma: 1.5))
        #expect(await governor.epsilonSpent == 0, "record-level steps are the record ledger's, not the charter ledger's")
        await #expect { try await governor.admit(instruction(sigma: 0.5)) } throws: {
            ($0 as? CharterViolation)?.clause == "privacy.min_noise_multiplier"
        }
        await #expect { try await governor.admit(instruction(sigma: 1.5, delta: 1e-3)) } throws: {
            ($0 as? CharterViolation)?.clause == "privacy.max_delta"
        }
        // A round without DP-SGD under a record-level charter whose floor needs noise.
        await #expect { try await governor.admit(instruction(sigma: nil)) } throws: {
            ($0 as? CharterViolation)?.clause == "privacy.min_noise_multiplier"
        }
    }
}
