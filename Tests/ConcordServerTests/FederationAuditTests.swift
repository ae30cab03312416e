@testable import ConcordFederation
import ConcordGovernance
import ConcordNN
import ConcordStore
import Foundation
import Testing

@testable import ConcordServer

/// The coordinator's audit log of a real run: only committed rounds are recorded, a failed write leaves it as it
/// was, and a run keeps the charter it started under.
@Suite("The coordinator's audit log records committed rounds only")
struct FederationAuditTests {
    static let layout = ParameterLayout([.init(name: "fc.weight", shape: [4, 3]), .init(name: "fc.bias", shape: [3])])
    static let coordinator = SigningIdentity.simulated(seed: 5, participant: "c")
    static let participant = SigningIdentity.simulated(seed: 5, participant: "p")

    static func charter(cap: Double) throws -> Charter {
        var charter = try Charter(
            federation: "audit-test", coordinator: .init(name: "c", publicKey: coordinator.publicKey),
            participants: [.init(name: "p", id: 0, publicKey: participant.publicKey, epsilonCap: cap)],
            tasks: [.init(model: "logreg", layoutHash: layout.sha256, strategies: ["fedavg"], maxRounds: 10)],
            privacy: .init(secureAggregationRequired: false, minNoiseMultiplier: 1, maxDelta: 1e-5, maxEpsilon: 8),
            releaseQuorum: 1)
        try charter.addSignature(with: participant)
        return charter
    }

    static func audit(_ charter: Charter, store: SQLiteRunStore, run: Int64) throws -> FederationAudit {
        let request = RunRequest(
            model: "logreg", layout: layout, strategy: "fedavg", rounds: 1, noiseMultiplier: 1, delta: 1e-5,
            epsilonBudget: 8, secureAggregation: false)
        return try FederationAudit(
            charter: charter, coordinator: coordinator, request: request, store: store, runID: run, names: [0: "p"],
            exportPath: nil)
    }

    static func record(_ round: Int, error: String? = nil) -> RoundRecord {
        RoundRecord(
            round: round, sampled: [0], succeeded: error == nil ? 1 : 0, failures: [], error: error, evaluation: nil,
            evaluationError: nil, federatedEvaluation: nil, metrics: [:], fitSeconds: 0, aggregateSeconds: 0,
            evaluateSeconds: 0, seconds: 0)
    }

    /// One try of round `round`: configured, an update with its receipt, finished (failed when `error` is set).
    static func attempt(_ audit: FederationAudit, round: Int, charter: Charter, error: String? = nil) async throws {
        var config = FitConfig(localEpochs: 1, batchSize: 1, learningRate: 0.1, seed: 1)
        config.privacy = PrivacyMechanism(samplingRate: 1, noiseMultiplier: 1, delta: 1e-5, clipNorm: 1)
        let instruction = FitInstruction(
            round: round, parameters: .zeros(layout), config: config, charterHash: charter.hash)
        await audit.roundConfigured(round: round, participants: [0], instructions: [0: instruction])
        var update = ClientUpdate(parameters: .zeros(layout), exampleCount: 5)
        update.receipt = try UpdateAttestation(
            charterHash: charter.hash, participant: "p", round: round, updateHash: AuditRecorder.hash(update.parameters)
        ).sign(with: participant)
        await audit.updateReceived(round: round, participant: 0, update: update)
        await audit.roundFinished(record(round, error: error), parameters: .zeros(layout))
    }

    struct InjectedFault: Error {}

    @Test func onlyCommittedRoundsAreRecordedAndTheLogVerifies() async throws {
        let charter = try Self.charter(cap: 6)
        let store = try SQLiteRunStore.inMemory()
        let run = try store.openRun(name: "audited", configuration: "")
        let audit = try Self.audit(charter, store: store, run: run.id)
        #expect(try store.auditLines(run: run.id).count == 1, "run_started")

        // A failed try leaves nothing to commit.
        try await Self.attempt(audit, round: 1, charter: charter, error: "too few results")
        await #expect(throws: GovernanceFailure.self) { try await audit.commit(round: 1) { _ in } }

        // A store write that fails leaves the log as it was; the retry commits.
        try await Self.attempt(audit, round: 1, charter: charter)
        let before = await audit.jsonLines
        await #expect(throws: InjectedFault.self) { try await audit.commit(round: 1) { _ in throw InjectedFault() } }
        #expect(await audit.jsonLines == before)
        try await audit.commit(round: 1) { lines in try store.appendAuditLines(run: run.id, lines) }
        try await audit.finish(model: .zeros(Self.layout), round: 1)

        let lines = try store.auditLines(run: run.id)
        #expect(lines.count == 1 + 4 + 2, "start; configured, chosen, update, aggregate; release, seal")
        let stored = Data(lines.map { $0 + "\n" }.joined().utf8)
        #expect(stored == (await audit.jsonLines))
        let report = AuditVerifier.verify(jsonLines: stored, keys: charter.trustedKeys)
        #expect(report.failure == nil, "\(String(describing: report.failure))")
        #expect(report.receiptsVerified == 1)

        // Opened again (a resumed coordinator), the log is read back, sealed, and another charter is refused.
        #expect(try await Self.audit(charter, store: store, run: run.id).isSealed)
        #expect(throws: GovernanceFailure.self) { try Self.audit(try Self.charter(cap: 7), store: store, run: run.id) }
    }
}
