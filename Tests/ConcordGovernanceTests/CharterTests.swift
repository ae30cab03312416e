import Foundation
import Testing

@testable import ConcordGovernance

@Suite struct CharterParsingTests {
    static func yaml() throws -> String { try Fixture.get().charter.yamlText }

    @Test func roundTripsThroughYAML() throws {
        let charter = try Fixture.get().charter
        let parsed = try Charter(yaml: charter.yamlText)
        #expect(parsed == charter)
        #expect(parsed.hash == charter.hash)
        #expect(parsed.isInForce)
    }

    @Test func formattingAndCommentsDoNotChangeTheHash() throws {
        let charter = try Fixture.get().charter
        let reformatted = try Self.yaml()
            .replacingOccurrences(
                of: "federation: \"example-federation\"", with: "federation: example-federation  # ok"
            )
            .replacingOccurrences(of: "max_delta: 1e-05", with: "max_delta: 0.00001")
            .replacingOccurrences(of: "epsilon_cap: 1000.0", with: "epsilon_cap: 1000")
        #expect(reformatted != charter.yamlText)
        let parsed = try Charter(yaml: reformatted)
        #expect(parsed.hash == charter.hash)
        #expect(parsed.isInForce)
    }

    static let errorCases: [(String, String, String?)] = [
        ("schema: concord.charter/v1", "schema: concord.charter/v2", "schema"),
        ("schema: concord.charter/v1\n", "", "schema"),
        ("    id: 1\n", "    id: 0\n", "participants[1].id"),
        ("    id: 1\n", "    id: one\n", "participants[1].id"),
        ("    epsilon_cap: 1000.0\n", "    epsilon_cap: -1\n", "participants[0].epsilon_cap"),
        ("release:\n  quorum: 2", "release:\n  quorum: 9", "release.quorum"),
        ("max_rounds: 2", "max_rounds: 0", "tasks[0].max_rounds"),
        ("\"fedavg\", \"median\"", "\"fedavg\", \"krum\"", "tasks[0].strategies[1]"),
        ("privacy:\n", "privacy:\n  min_noise: 1\n", "privacy.min_noise"),
        ("  max_delta: 1e-05\n", "  max_delta: 2\n", "privacy.max_delta"),
        ("  secure_aggregation: true\n", "  secure_aggregation: maybe\n", "privacy.secure_aggregation"),
        ("  secure_aggregation: true\n", "", "privacy.secure_aggregation"),
        ("release:\n", "release:\n  quorum: 1\n", "quorum"),
        ("federation: \"example-federation\"", "federation: [unclosed", nil),
        ("federation: \"example-federation\"", "federation: \"example-federation\"\nextra: 1", "extra"),
    ]

    @Test("parse errors name the field (and line)", arguments: errorCases)
    func parseErrors(original: String, replacement: String, field: String?) throws {
        let yaml = try Self.yaml()
        try #require(yaml.contains(original), "fixture lacks \(original)")
        let broken = yaml.replacingOccurrences(
            of: original, with: replacement, options: [], range: yaml.range(of: original))
        do {
            _ = try Charter(yaml: broken)
            Issue.record("accepted a broken charter (\(replacement))")
        } catch {
            #expect(error.field == field, "\(error)")
            #expect(error.line != nil, "\(error)")
        }
    }

    @Test func duplicateParticipantIdNamesBothAndTheLine() throws {
        let broken = try Self.yaml().replacingOccurrences(of: "    id: 2\n", with: "    id: 0\n")
        #expect {
            try Charter(yaml: broken)
        } throws: { error in
            let description = "\(error)"
            return description.contains("participants[2].id") && description.contains("duplicate participant id 0")
                && description.contains("line ")
        }
    }

    @Test func emptyAndNonMappingDocumentsAreRefused() {
        #expect(throws: CharterError.self) { try Charter(yaml: "") }
        #expect(throws: CharterError.self) { try Charter(yaml: "- a\n- b\n") }
        #expect(throws: CharterError.self) { try Charter(yaml: "\u{0}\u{1}binary") }
    }
}

@Suite struct CharterSignatureTests {
    @Test func unsignedCharterIsNotInForce() throws {
        var charter = try Fixture.get().charter
        charter.signatures = [:]
        #expect(!charter.isInForce)
        #expect(charter.verifySignatures().count == 3)
    }

    @Test func missingOneSignatureNamesTheParticipant() throws {
        var charter = try Fixture.get().charter
        charter.signatures["participant-1"] = nil
        #expect(!charter.isInForce)
        #expect(charter.verifySignatures() == ["participant 'participant-1' has not signed"])
    }

    @Test func changedContentInvalidatesEverySignature() throws {
        let yaml = try Fixture.get().charter.yamlText.replacingOccurrences(of: "max_rounds: 2", with: "max_rounds: 3")
        let charter = try Charter(yaml: yaml)
        #expect(!charter.isInForce)
        #expect(charter.verifySignatures().count == 3)
        #expect(charter.verifySignatures().allSatisfy { $0.contains("invalid") })
    }

    @Test func swappedSignatureIsInvalid() throws {
        var charter = try Fixture.get().charter
        charter.signatures["participant-0"] = charter.signatures["participant-1"]
        #expect(
            charter.verifySignatures() == ["participant 'participant-0': the signature is invalid for this charter"])
    }

    @Test func detachedSignaturesBringACharterIntoForce() throws {
        let example = try Fixture.get()
        var charter = example.charter
        charter.signatures = [:]
        for participant in example.participants {
            let detached = try charter.sign(with: participant.identity)
            let reread = try DetachedSignature(fileText: detached.fileText)
            #expect(reread == detached)
            try charter.attach(reread)
        }
        #expect(charter.isInForce)
    }

    @Test func onlyParticipantsSignAndOnlyThisCharter() throws {
        let example = try Fixture.get()
        #expect(throws: CharterError.self) { try example.charter.sign(with: example.coordinator) }
        var other = example.charter
        other.federation = "another"
        let foreign = try other.sign(with: example.participants[0].identity)
        var charter = example.charter
        #expect(throws: CharterError.self) { try charter.attach(foreign) }
        charter.signatures["mallory"] = charter.signatures["participant-0"]
        #expect(!charter.isInForce)
        #expect(charter.verifySignatures() == ["a signature from 'mallory', who is not a participant"])
    }
}
