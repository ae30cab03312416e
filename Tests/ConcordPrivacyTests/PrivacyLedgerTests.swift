import ConcordPrivacy
import Testing

@Suite("Privacy ledger: per-round ε, budget refusals")
struct PrivacyLedgerTests {
    @Test func entriesCarryTheCumulativeEpsilonOfTheAccountant() throws {
        var ledger = try PrivacyLedger(delta: 1e-5, epsilonBudget: nil)
        for round in 1...100 {
            try ledger.record(round: round, samplingRate: 0.1, noiseMultiplier: 2, clipNorm: 1)
        }
        // dp_accounting: q = 0.1, z = 2, 100 steps, δ = 1e-5 → ε = 2.58057.
        #expect(abs(ledger.epsilonSpent - 2.58057) / 2.58057 < 1e-4)
        #expect(ledger.entries.map(\.round) == Array(1...100))
        #expect(zip(ledger.entries, ledger.entries.dropFirst()).allSatisfy { $0.epsilon < $1.epsilon })
        #expect(ledger.refusal(round: 101, samplingRate: 0.1, noiseMultiplier: 2) == nil, "no budget, no refusal")
    }

    @Test func aRoundPastTheBudgetIsRefusedWithTheNumbers() throws {
        let ledger = try PrivacyLedger(delta: 1e-5, epsilonBudget: 0.5)
        let refusal = try #require(ledger.refusal(round: 1, samplingRate: 1, noiseMultiplier: 1))
        #expect(refusal.contains("privacy budget exhausted: round 1 would bring ε to"))
        #expect(refusal.contains("the initial model"))
        #expect(ledger.refusal(round: 1, samplingRate: 0.01, noiseMultiplier: 5) == nil)
    }

    @Test func badSettingsAreRefused() throws {
        #expect(throws: PrivacyError.self) { try PrivacyLedger(delta: 0, epsilonBudget: 1) }
        #expect(throws: PrivacyError.self) { try PrivacyLedger(delta: 1, epsilonBudget: 1) }
        #expect(throws: PrivacyError.self) { try PrivacyLedger(delta: 1e-5, epsilonBudget: 0) }
        var ledger = try PrivacyLedger(delta: 1e-5, epsilonBudget: 1)
        #expect(throws: PrivacyError.self) {
            try ledger.record(round: 1, samplingRate: 2, noiseMultiplier: 1, clipNorm: 1)
        }
        #expect(ledger.entries.isEmpty, "nothing is recorded on a bad round")
        #expect(ledger.refusal(round: 1, samplingRate: -1, noiseMultiplier: 1)?.contains("cannot be accounted") == true)
    }
}
