import ConcordFederation
import ConcordPlan
import ConcordServer
import ConcordStore
import Foundation
import Testing

/// A coordinator restarted on a run stored with its plan resumes only the same run: a change that alters the
/// computation or the privacy guarantee is refused naming the field, a deadline may change when accepted.
@Suite("Resuming a run with a changed plan")
struct PlanResumeTests {
    struct Admitted: Error {}

    /// The run as a killed coordinator left it: created (state running) with `plan`, no round committed.
    static func killed(_ config: FederationConfig, plan: RunPlan, in store: any RunStore) throws {
        _ = try store.openRun(
            name: config.run, configuration: "first", plan: try plan.canonicalJSON(), seed: 7, admit: { _ in })
    }

    /// Starts the run again with `plan`; returns the error that ended it (``Admitted`` once it was let in).
    static func restart(
        _ config: FederationConfig, plan: RunPlan, accepting: Set<String> = [], store: any RunStore
    ) async throws -> any Error {
        let run = try FederationRun(
            config: config, configurationText: "second", plan: plan, acceptChanged: accepting, security: .insecure,
            openStore: { store }, log: { _ in })
        do {
            _ = try await run.run(onListening: { _ in throw Admitted() })
        } catch {
            return error
        }
        Issue.record("the run ended without an error")
        return Admitted()
    }

    static let dp = RunPlan.DPChoice(noiseMultiplier: 1, clip: 0.5)

    @Test(
        "a changed DP flag, sampling mode or secure-aggregation flag is refused, naming the field",
        arguments: [
            (RunPlan.DPChoice(noiseMultiplier: 0.8, clip: 0.5), nil, nil, "dp.noise_multiplier: stored 1.0, given 0.8"),
            (RunPlan.DPChoice(noiseMultiplier: 1, clip: 0.7), nil, nil, "dp.clip: stored 0.5, given 0.7"),
            (Self.dp, SamplingMethod.fixed, nil, "sampling: stored poisson, given fixed"),
            (Self.dp, nil, RunPlan.SecureAggregationChoice(), "secure_aggregation: stored off, given on"),
        ] as [(RunPlan.DPChoice, SamplingMethod?, RunPlan.SecureAggregationChoice?, String)])
    func refused(
        dp: RunPlan.DPChoice, sampling: SamplingMethod?, secure: RunPlan.SecureAggregationChoice?, named: String
    ) async throws {
        let evaluation = try FederationRunTests.evaluationFolder()
        defer { try? FileManager.default.removeItem(at: evaluation) }
        let store = try SQLiteRunStore.inMemory()
        let config = try FederationRunTests.config(port: 0, evaluation: evaluation.path, rounds: 2)
        try Self.killed(config, plan: config.plan(dp: Self.dp), in: store)
        let error = try await Self.restart(
            config, plan: config.plan(dp: dp, secureAggregation: secure, sampling: sampling), store: store)
        guard case PlanError.changed(let differences) = error else {
            Issue.record("not refused for its plan: \(error)")
            return
        }
        #expect(differences.map(\.description) == [named])
        #expect("\(error)".contains(named))
        // Nothing was written: the stored plan is still the first one.
        let stored = try #require(try store.runs().first?.plan)
        #expect(try RunPlan(canonicalJSON: stored) == config.plan(dp: Self.dp))
    }

    @Test("a changed round_deadline_seconds is refused unless accepted, and then stored")
    func deadline() async throws {
        let evaluation = try FederationRunTests.evaluationFolder()
        defer { try? FileManager.default.removeItem(at: evaluation) }
        let store = try SQLiteRunStore.inMemory()
        let config = try FederationRunTests.config(port: 0, evaluation: evaluation.path, rounds: 2)
        try Self.killed(config, plan: config.plan(), in: store)
        var later = config
        later.roundDeadlineSeconds = 30
        let refused = try await Self.restart(later, plan: later.plan(), store: store)
        #expect("\(refused)".contains("round_deadline_seconds: stored 10.0, given 30.0"), "\(refused)")
        let admitted = try await Self.restart(
            later, plan: later.plan(), accepting: ["round_deadline_seconds"], store: store)
        #expect(admitted is Admitted, "\(admitted)")
        let stored = try #require(try store.runs().first)
        #expect(try RunPlan(canonicalJSON: try #require(stored.plan)).federation?.roundDeadlineSeconds == 30)
        #expect(stored.seed == 7, "the run keeps its seed")
    }

    @Test("--accept-changed for a field that changes the computation is itself refused")
    func unsafeAccept() throws {
        let config = try FederationRunTests.config(port: 0, evaluation: "/nowhere", rounds: 2)
        #expect(throws: PlanError.notSafeToChange(field: "sampling", safe: PlanDifference.safeFields)) {
            _ = try FederationRun(
                config: config, configurationText: "", plan: config.plan(), acceptChanged: ["sampling"],
                security: .insecure, openStore: { try SQLiteRunStore.inMemory() }, log: { _ in })
        }
    }

    @Test("a run stored before plans resumes with the same configuration text, and then keeps its plan")
    func oldStore() throws {
        let store = try SQLiteRunStore.inMemory()
        let old = try store.openRun(name: "trial", configuration: "text", seed: 3)
        #expect(old.plan == nil)
        #expect(throws: StoreError.configurationMismatch(run: "trial")) {
            try store.openRun(name: "trial", configuration: "other", plan: "{}", seed: 9, admit: { _ in })
        }
        let resumed = try store.openRun(name: "trial", configuration: "text", plan: "{}", seed: 9, admit: { _ in })
        #expect(resumed.plan == "{}" && resumed.seed == 3)
    }
}
