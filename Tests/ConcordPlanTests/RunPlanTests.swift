import ConcordFederation
import ConcordPlan
import ConcordPrivacy
import Foundation
import Testing

@Suite("A run plan: one set of defaults, one validation, field-by-field comparison")
struct RunPlanTests {
    static func plan(
        dp: RunPlan.DPChoice? = nil, secure: RunPlan.SecureAggregationChoice? = nil, sampling: SamplingMethod? = nil,
        evalEvery: Int = 1, deadline: Double = 600, minFitResults: Int? = nil
    ) -> RunPlan {
        RunPlan(
            model: "logreg", dataset: "mnist", participants: 3, participantNames: ["a", "b", "c"], rounds: 4,
            strategy: RunPlan.StrategyChoice(name: "fedavg"),
            local: RunPlan.LocalChoice(epochs: 1, batchSize: 10, learningRate: 0.1), fraction: 1,
            sampling: sampling, minFitResults: minFitResults, dp: dp, secureAggregation: secure,
            evalEvery: evalEvery, federation: RunPlan.FederationChoice(roundDeadlineSeconds: deadline))
    }

    @Test("defaults: fixed sampling and one result without DP; Poisson and none with DP; half of those sampled")
    func defaults() {
        let plain = Self.plan()
        #expect(plain.sampling == .fixed && plain.minFitResults == 1 && plain.minFitFraction == 0.5)
        let private_ = Self.plan(dp: RunPlan.DPChoice(noiseMultiplier: 1, clip: 0.5))
        #expect(private_.sampling == .poisson && private_.minFitResults == 0 && private_.minFitFraction == 0.5)
        let explicit = Self.plan(minFitResults: 2)
        #expect(explicit.minFitResults == 2 && explicit.minFitFraction == 0)
    }

    @Test(
        "a bad value is refused naming its field in snake_case",
        arguments: [
            (Self.plan(evalEvery: -1), "'eval_every'"),
            (Self.plan(dp: RunPlan.DPChoice(noiseMultiplier: -1, clip: 1)), "'dp.noise_multiplier'"),
            (Self.plan(dp: RunPlan.DPChoice(noiseMultiplier: 1, clip: 0)), "'dp.clip'"),
            (Self.plan(deadline: 0), "'round_deadline_seconds'"),
            (Self.plan(minFitResults: 4), "'min_fit_results' must be between 0 and the 3 participants"),
        ])
    func refused(plan: RunPlan, field: String) {
        #expect {
            try plan.validate()
        } throws: { error in
            "\(error)".hasPrefix(field)
        }
    }

    @Test("eval_every 0 (only the last round) is valid for every run; the coordinator then evaluates only the last")
    func evalEveryZero() throws {
        let plan = Self.plan(evalEvery: 0)
        try plan.validate()
        #expect(plan.coordinatorConfiguration(available: 3, seed: 1, secureSummation: nil).evalEvery == Int.max)
    }

    @Test("the stored form reads back as the same plan")
    func roundTrip() throws {
        let plan = Self.plan(
            dp: RunPlan.DPChoice(noiseMultiplier: 1, clip: 0.5, epsilonBudget: 3),
            secure: RunPlan.SecureAggregationChoice(bits: 12))
        let text = try plan.canonicalJSON()
        #expect(text.contains("\"noise_multiplier\":1"))
        #expect(try RunPlan(canonicalJSON: text) == plan)
        #expect(plan.differences(from: try RunPlan(canonicalJSON: text)).isEmpty)
        #expect(throws: PlanError.self) { try RunPlan(canonicalJSON: "{\"model\": 3}") }
    }

    @Test("a changed noise multiplier is refused, naming the field with both values")
    func changedNoise() throws {
        let stored = Self.plan(dp: RunPlan.DPChoice(noiseMultiplier: 1, clip: 0.5))
        let given = Self.plan(dp: RunPlan.DPChoice(noiseMultiplier: 0.8, clip: 0.5))
        #expect(throws: PlanError.changed([PlanDifference(field: "dp.noise_multiplier", stored: "1.0", given: "0.8")])) {
            try given.checkResume(of: stored)
        }
        let clip = Self.plan(dp: RunPlan.DPChoice(noiseMultiplier: 1, clip: 0.7))
        #expect(clip.differences(from: stored).map(\.description) == ["dp.clip: stored 0.5, given 0.7"])
    }

    @Test("a changed sampling method and secure aggregation turned on are refused, each named once")
    func changedSamplingAndSecureAggregation() {
        let dp = RunPlan.DPChoice(noiseMultiplier: 1, clip: 0.5)
        let stored = Self.plan(dp: dp)
        #expect(
            Self.plan(dp: dp, sampling: .fixed).differences(from: stored).map(\.description)
                == ["sampling: stored poisson, given fixed"])
        #expect(
            Self.plan(dp: dp, secure: RunPlan.SecureAggregationChoice()).differences(from: stored).map(\.description)
                == ["secure_aggregation: stored off, given on"])
        #expect(
            Self.plan().differences(from: stored).map(\.description).contains("dp: stored on, given off"))
    }

    @Test("a changed deadline is refused unless accepted; only safe fields may be accepted")
    func deadline() throws {
        let stored = Self.plan()
        let given = Self.plan(deadline: 30)
        #expect(throws: PlanError.self) { try given.checkResume(of: stored) }
        let accepted = try given.checkResume(of: stored, accepting: ["round_deadline_seconds"])
        #expect(accepted.map(\.description) == ["round_deadline_seconds: stored 600.0, given 30.0"])
        #expect(throws: PlanError.notSafeToChange(field: "dp.noise_multiplier", safe: PlanDifference.safeFields)) {
            try given.checkResume(of: stored, accepting: ["dp.noise_multiplier"])
        }
    }

    @Test("the strategy is wrapped in DP-FedAvg accounted at the sampling it is run with")
    func strategy() throws {
        let dp = RunPlan.DPChoice(noiseMultiplier: 1, clip: 0.5)
        var poissonPlan = Self.plan(dp: dp), fixedPlan = Self.plan(dp: dp, sampling: .fixed)
        (poissonPlan.fraction, fixedPlan.fraction) = (0.5, 0.5)
        let poisson = try #require(try poissonPlan.makeStrategy() as? any PrivacyAccounted)
        let fixed = try #require(try fixedPlan.makeStrategy() as? any PrivacyAccounted)
        // Fixed-size rounds are accounted without amplification.
        #expect(poisson.accountingSamplingRate == 0.5 && fixed.accountingSamplingRate == 1)
        #expect(poisson.noiseMultiplier == 1)
        #expect(!(try Self.plan().makeStrategy() is any PrivacyAccounted))
        #expect(Self.plan(secure: RunPlan.SecureAggregationChoice()).makeSecureSummation() != nil)
        #expect(Self.plan().makeSecureSummation() == nil)
    }
}
