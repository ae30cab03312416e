import ConcordNN
import Foundation
import Testing

@testable import ConcordPrivacy

@Suite("Record-level ledger: every DP-SGD round admitted before training, kept on disk, capped")
struct RecordPrivacyLedgerTests {
    static let privacy = DPSGDConfiguration(clipNorm: 1, noiseMultiplier: 1.1, samplingRate: 0.05)

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("record-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func release(_ round: Int, steps: Int = 20, q: Double = 0.05, sigma: Double = 1.1) -> RecordPrivacyLedger
        .Release
    {
        .init(run: "r", round: round, samplingRate: q, noiseMultiplier: sigma, steps: steps)
    }

    @Test func roundsComposeToTheAccountantsEpsilonForAllTheirSteps() throws {
        var ledger = try RecordPrivacyLedger(participant: "alpha", delta: 1e-5)
        #expect(try ledger.epsilon() == 0)
        for round in 1...29 { try ledger.admit(Self.release(round), cap: nil) }
        // Rounds at another σ compose with the first ones.
        try ledger.admit(Self.release(30, steps: 7, sigma: 2), cap: nil)
        var accountant = RDPAccountant()
        try accountant.compose(samplingRate: 0.05, noiseMultiplier: 1.1, steps: 580)
        try accountant.compose(samplingRate: 0.05, noiseMultiplier: 2, steps: 7)
        #expect(try ledger.epsilon() == accountant.epsilon(delta: 1e-5).epsilon)
        #expect(ledger.steps == 587)
        // The README's DP-SGD setting: 29 rounds of 20 steps at q = 0.05, σ = 2 are ε = 2.996 at δ = 1e-5.
        var readme = try RecordPrivacyLedger(participant: "alpha", delta: 1e-5)
        for round in 1...29 { try readme.admit(Self.release(round, sigma: 2), cap: nil) }
        #expect(abs(try readme.epsilon() - 2.996) < 5e-4)
    }

    @Test func theRoundThatWouldPassTheCapIsRefusedAndNothingIsRecorded() throws {
        var ledger = try RecordPrivacyLedger(participant: "alpha", delta: 1e-5)
        let cap = try RDPAccountant.epsilon(samplingRate: 0.05, noiseMultiplier: 1.1, steps: 100, delta: 1e-5) + 1e-9
        for round in 1...5 { try ledger.admit(Self.release(round), cap: cap) }
        let before = ledger
        #expect {
            try ledger.admit(Self.release(6), cap: cap)
        } throws: { error in
            let text = "\(error)"
            return error is RecordPrivacyRefusal && text.contains("alpha: round 6 of run 'r'")
                && text.contains("past its cap of \(cap)")
        }
        #expect(ledger == before)
        #expect(throws: PrivacyError.self) { try ledger.admit(Self.release(6, steps: 0), cap: nil) }
        #expect(throws: PrivacyError.self) { try ledger.admit(Self.release(6, q: 1.5), cap: nil) }
        #expect(ledger == before)
    }

    @Test func anAccountantWithAFileWritesBeforeTrainingAndARestartedOneGoesOn() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = RecordPrivacyLedgerFile(path: folder.appendingPathComponent("ledger.json").path)
        let cap = try RDPAccountant.epsilon(samplingRate: 0.05, noiseMultiplier: 1.1, steps: 60, delta: 1e-5) + 1e-9
        let first = try RecordPrivacyAccountant(participant: "alpha", epsilonCap: cap, file: file)
        #expect(await first.delta == nil)
        for round in 1...2 {
            try await first.admit(Self.privacy, steps: 20, delta: 1e-5, run: "r", round: round)
            // On disk as soon as admitted.
            #expect(try file.load(participant: "alpha")?.steps == 20 * round)
        }
        // A restart, and another run: the same records, the same account.
        let restarted = try RecordPrivacyAccountant(participant: "alpha", epsilonCap: cap, file: file)
        #expect(await restarted.delta == 1e-5)
        #expect(await restarted.epsilon == (await first.epsilon))
        try await restarted.admit(Self.privacy, steps: 20, delta: 1e-5, run: "next", round: 1)
        await #expect(throws: RecordPrivacyRefusal.self) {
            try await restarted.admit(Self.privacy, steps: 20, delta: 1e-5, run: "next", round: 2)
        }
        // Another δ than the ledger's is refused: its ε is one number at one δ.
        let lenient = try RecordPrivacyAccountant(participant: "alpha", epsilonCap: nil, file: file)
        await #expect {
            try await lenient.admit(Self.privacy, steps: 20, delta: 1e-3, run: "next", round: 2)
        } throws: { "\($0)".contains("states record-level ε at δ = 0.001, but this participant accounts its ε at δ = 1e-05") }
        #expect(try file.load(participant: "alpha")?.steps == 60)
        #expect(try file.load(participant: "alpha")?.releases.map(\.run) == ["r", "r", "next"])
    }

    @Test func aLedgerThatCannotBeWrittenRefusesTheRoundAndAccountsNothing() async throws {
        let file = RecordPrivacyLedgerFile(path: "/nonexistent-\(UUID().uuidString)/ledger.json")
        let accountant = try RecordPrivacyAccountant(participant: "alpha", epsilonCap: nil, file: file)
        await #expect {
            try await accountant.admit(Self.privacy, steps: 20, delta: 1e-5, run: "r", round: 1)
        } throws: { "\($0)".contains("alpha cannot record round 1 in its record-level ledger") }
        #expect(await accountant.steps == 0)
        #expect(await accountant.delta == nil)
    }

    @Test(
        "a damaged, foreign or tampered ledger file is refused, naming it",
        arguments: [
            ("{\"schema\": \"concord.record-ledger/v1\", \"ledger\": {\"participant\": \"alpha\"", "cannot be read"),
            ("not json at all", "cannot be read"),
            (
                "{\"schema\": \"concord.ledger/v1\", \"ledger\": {\"participant\": \"alpha\", \"delta\": 1e-5, "
                    + "\"releases\": []}}", "has schema 'concord.ledger/v1'"
            ),
            (
                "{\"schema\": \"concord.record-ledger/v1\", \"ledger\": {\"participant\": \"beta\", \"delta\": 1e-5, "
                    + "\"releases\": []}}", "is 'beta''s, not 'alpha''s"
            ),
            (
                "{\"schema\": \"concord.record-ledger/v1\", \"ledger\": {\"participant\": \"alpha\", \"delta\": 1e-5, "
                    + "\"releases\": [{\"run\": \"r\", \"round\": 1, \"sampling_rate\": 0.05, "
                    + "\"noise_multiplier\": 0, \"steps\": 20}]}}", "σ = 0.0"
            ),
            (
                "{\"schema\": \"concord.record-ledger/v1\", \"ledger\": {\"participant\": \"alpha\", \"delta\": 2, "
                    + "\"releases\": []}}", "δ = 2.0 is not in (0, 1)"
            ),
        ])
    func damagedFilesAreRefused(text: String, problem: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("ledger.json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try RecordPrivacyAccountant(
                participant: "alpha", epsilonCap: 3, file: RecordPrivacyLedgerFile(path: path))
        } throws: { error in
            "\(error)".contains("the record-level ledger '\(path)'") && "\(error)".contains(problem)
        }
    }

    @Test func aCapThatIsNotPositiveIsRefused() {
        for cap in [0, -1, Double.nan, .infinity] {
            #expect(throws: PrivacyError.self) {
                try RecordPrivacyAccountant(participant: "alpha", epsilonCap: cap, file: nil)
            }
        }
    }
}
