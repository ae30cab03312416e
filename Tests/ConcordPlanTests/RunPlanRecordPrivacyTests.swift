import ConcordFederation
import ConcordNN
import ConcordPlan
import ConcordPrivacy
import Foundation
import Testing

@Suite("A run plan's DP level: record-level DP-SGD is stored, compared and built")
struct RunPlanRecordPrivacyTests {
    static let record = RunPlan.DPChoice(noiseMultiplier: 1.1, clip: 1, level: .record, recordSamplingRate: 0.01)

    @Test func aRecordLevelPlanAsksEveryParticipantForDPSGDAndAddsNoNoiseCentrally() throws {
        let plan = RunPlanTests.plan(dp: Self.record)
        try plan.validate()
        let strategy = try plan.makeStrategy()
        #expect(!(strategy is any PrivacyAccounted))
        let instructions = strategy.configureFit(
            round: 1, parameters: try Parameters(layout: ParameterLayout([.init(name: "w", shape: [1])]), values: [0]),
            participants: [0, 1, 2], seed: 5)
        let expected = DPSGDConfiguration(clipNorm: 1, noiseMultiplier: 1.1, samplingRate: 0.01)
        #expect(instructions.values.allSatisfy { $0.config.recordPrivacy == expected })
        #expect(
            try RunPlanTests.plan(dp: RunPlan.DPChoice(noiseMultiplier: 1, clip: 1)).makeStrategy()
                is any PrivacyAccounted)
    }

    @Test func aResumeWithAnotherLevelIsRefusedNamingDPLevel() throws {
        let stored = RunPlanTests.plan(dp: RunPlan.DPChoice(noiseMultiplier: 1.1, clip: 1))
        var given = RunPlanTests.plan(dp: Self.record)
        #expect(throws: PlanError.self) { try given.checkResume(of: stored) }
        #expect(given.differences(from: stored).map(\.field).contains("dp.level"))
        #expect(
            given.differences(from: stored).first { $0.field == "dp.level" }?.description
                == "dp.level: stored user, given record")
        // A plan stored before levels existed (no `level` key) is a user-level one.
        given = stored
        let old = try stored.canonicalJSON()
        #expect(!old.contains("\"level\""))
        #expect(try given.checkResume(of: RunPlan(canonicalJSON: old)).isEmpty)
        let recordJSON = try RunPlanTests.plan(dp: Self.record).canonicalJSON()
        #expect(try RunPlan(canonicalJSON: recordJSON) == RunPlanTests.plan(dp: Self.record))
    }

    @Test(arguments: [
        (RunPlan.DPChoice(noiseMultiplier: 1, clip: 1, level: .record), "'dp.record_sampling_rate'"),
        (
            RunPlan.DPChoice(noiseMultiplier: 1, clip: 1, level: .record, recordSamplingRate: 1.5),
            "'dp.record_sampling_rate'"
        ),
        (RunPlan.DPChoice(noiseMultiplier: 1, clip: 1, recordSamplingRate: 0.1), "'dp.record_sampling_rate'"),
        (
            RunPlan.DPChoice(noiseMultiplier: 1, clip: 1, adaptive: true, level: .record, recordSamplingRate: 0.1),
            "'dp.adaptive'"
        ),
        (
            RunPlan.DPChoice(noiseMultiplier: 1, clip: 1, epsilonBudget: 3, level: .record, recordSamplingRate: 0.1),
            "'dp.epsilon_budget'"
        ),
    ])
    func badRecordLevelSettingsNameTheirField(dp: RunPlan.DPChoice, field: String) {
        let error = #expect(throws: PlanError.self) { try RunPlanTests.plan(dp: dp).validate() }
        #expect(error.map { "\($0)".contains(field) } == true, "\(String(describing: error))")
    }
}
