import ConcordFederation
import ConcordTesting
import Foundation
import Testing

@testable import ConcordGovernance

/// A node's own governance in a real federation: its ledger on its own disk, kept across restarts, and its signed
/// receipts, which the audit log carries and the verifier checks.
@Suite("A node keeps its ledger on disk and signs what it sends")
struct NodeGovernanceTests {
    static let layout = ParameterLayoutFixture.small

    /// A folder with a charter in force for participant "p" (cap `cap`) and its coordinator "c".
    static func folder(cap: Double) throws -> (URL, Charter) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("node-gov-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let charter = try GovernedParticipantTests.charter(cap: cap)
        try charter.yamlText.write(to: folder.appendingPathComponent("charter.yaml"), atomically: true, encoding: .utf8)
        return (folder, charter)
    }

    static var identity: SigningIdentity { .simulated(seed: 3, participant: "p") }

    func node(in folder: URL) throws -> NodeGovernance {
        try NodeGovernance.load(
            charterAt: folder.appendingPathComponent("charter.yaml").path, name: "p", identity: Self.identity,
            ledgerAt: folder.appendingPathComponent("p.ledger.json").path)
    }

    func instruction(round: Int, charter: Charter) -> FitInstruction {
        var config = FitConfig(localEpochs: 1, batchSize: 1, learningRate: 0.1, seed: 1)
        config.privacy = PrivacyMechanism(samplingRate: 1, noiseMultiplier: 1, delta: 1e-5, clipNorm: 1)
        return FitInstruction(round: round, parameters: .zeros(Self.layout), config: config, charterHash: charter.hash)
    }

    func trainer(_ governance: NodeGovernance) -> any ClientProxy {
        governance.enforce(
            ScriptedParticipant(id: 0, behaviour: .answer(values: [Float](repeating: 1, count: 15), examples: 5)))
    }

    @Test func aRestartedNodeKeepsItsLedgerAndStillRefusesPastItsCap() async throws {
        let (folder, charter) = try Self.folder(cap: 6)
        defer { try? FileManager.default.removeItem(at: folder) }
        var governance = try node(in: folder)
        var round = 1
        var refusal: GovernanceRefusal?
        while refusal == nil, round <= 100 {
            do {
                _ = try await trainer(governance).fit(instruction(round: round, charter: charter))
                round += 1
            } catch let refused as GovernanceRefusal {
                refusal = refused
            }
        }
        #expect(refusal != nil && round > 1, "a cap of 6 at z = 1, q = 1 is reached within a few rounds")
        let spent = await governance.governor.epsilonSpent
        let ledgerFile = folder.appendingPathComponent("p.ledger.json")
        let bytes = try Data(contentsOf: ledgerFile)

        // The node restarts: it reads the same ledger and refuses the same round.
        governance = try node(in: folder)
        #expect(await governance.governor.epsilonSpent == spent)
        await #expect(throws: GovernanceRefusal.self) {
            try await trainer(governance).fit(instruction(round: round, charter: charter))
        }
        #expect(try Data(contentsOf: ledgerFile) == bytes, "a refused round does not touch the ledger")
    }

    @Test func aDamagedOrForeignLedgerIsRefusedNotStartedAfresh() throws {
        let (folder, _) = try Self.folder(cap: 6)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledgerFile = folder.appendingPathComponent("p.ledger.json")
        try Data("{\"schema\": \"concord.ledger/v1\", \"charter\"".utf8).write(to: ledgerFile)
        #expect {
            try node(in: folder)
        } throws: { error in
            "\(error)".contains("cannot be read") && "\(error)".contains("p.ledger.json")
        }
        let other = LedgerFile(path: ledgerFile.path)
        let (_, charter) = try Self.folder(cap: 7)
        let q = try #require(charter.participant(named: "p"))
        try other.save(ParticipantLedger(for: q, under: charter), charter: charter)
        #expect {
            try node(in: folder)
        } throws: { error in
            "\(error)".contains("was kept under charter")
        }
    }

    @Test func aKeyThatIsNotTheCharterKeyIsRefused() throws {
        let (folder, _) = try Self.folder(cap: 6)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try NodeGovernance.load(
                charterAt: folder.appendingPathComponent("charter.yaml").path, name: "p",
                identity: .simulated(seed: 4, participant: "p"),
                ledgerAt: folder.appendingPathComponent("p.ledger.json").path)
        } throws: { error in
            "\(error)".contains("not the one the charter")
        }
    }

    /// A log of one round whose update carries `receipt`, run under `charter` with receipts required.
    func log(charter: Charter, receipt: Signature?, updateHash: String) throws -> AuditLog {
        let coordinator = SigningIdentity.simulated(seed: 3, participant: "c")
        let request = RunRequest(
            model: "logreg", layout: Self.layout, strategy: "fedavg", rounds: 1, noiseMultiplier: 1, delta: 1e-5,
            epsilonBudget: 6, secureAggregation: false)
        var log = AuditLog()
        try log.append(.runStarted(charterHash: charter.hash, request: request, updateReceipts: true), signedBy: coordinator)
        try log.append(
            .updateReceived(round: 1, participant: "p", updateHash: updateHash, receipt: receipt), signedBy: coordinator)
        try log.seal(signedBy: coordinator)
        return log
    }

    @Test func receiptsInTheLogVerifyAndAForgedOrMissingOneFailsNamingTheEntry() async throws {
        let (folder, charter) = try Self.folder(cap: 6)
        defer { try? FileManager.default.removeItem(at: folder) }
        let governance = try node(in: folder)
        let update = ClientUpdate(parameters: .zeros(Self.layout), exampleCount: 5)
        let receipt = try governance.receipt(for: update, instruction: instruction(round: 1, charter: charter))
        let hash = AuditRecorder.hash(update.parameters)
        let signature = try Signature(rawRepresentation: receipt.signature)

        let good = AuditVerifier.verify(try log(charter: charter, receipt: signature, updateHash: hash), keys: charter.trustedKeys)
        #expect(good.failure == nil, "\(String(describing: good.failure))")
        #expect(good.receiptsVerified == 1)

        // The coordinator claims another update under the participant's receipt.
        let otherHash = String(repeating: "0", count: 63) + "1"
        let claimed = AuditVerifier.verify(
            try log(charter: charter, receipt: signature, updateHash: otherHash), keys: charter.trustedKeys)
        #expect(claimed.failure?.index == 1, "\(String(describing: claimed.failure))")
        #expect(claimed.failure?.reason.contains("update receipt of 'p' is invalid") == true)

        // A receipt forged with another key.
        let forged = try UpdateAttestation(charterHash: charter.hash, participant: "p", round: 1, updateHash: hash)
            .sign(with: .simulated(seed: 9, participant: "p"))
        let forgery = AuditVerifier.verify(
            try log(charter: charter, receipt: try Signature(rawRepresentation: forged.signature), updateHash: hash),
            keys: charter.trustedKeys)
        #expect(forgery.failure?.index == 1)

        // No receipt at all, in a run that requires them.
        let missing = AuditVerifier.verify(try log(charter: charter, receipt: nil, updateHash: hash), keys: charter.trustedKeys)
        #expect(missing.failure?.index == 1)
        #expect(missing.failure?.reason.contains("receipt") == true, "\(String(describing: missing.failure))")

        // The coordinator's check before accepting an update names the problem.
        let attestation = UpdateAttestation(charterHash: charter.hash, participant: "p", round: 1, updateHash: otherHash)
        #expect(attestation.problem(with: receipt, key: Self.identity.publicKey) != nil)
        #expect(
            UpdateAttestation(charterHash: charter.hash, participant: "p", round: 1, updateHash: hash)
                .problem(with: receipt, key: Self.identity.publicKey) == nil)
    }

    @Test(
        "Tools/verify_concord.py checks update receipts as Concord does",
        .enabled(if: Python.available(module: "cryptography"), "needs python3 with the cryptography package"))
    func thePythonVerifierChecksUpdateReceipts() async throws {
        let (folder, charter) = try Self.folder(cap: 6)
        defer { try? FileManager.default.removeItem(at: folder) }
        let update = ClientUpdate(parameters: .zeros(Self.layout), exampleCount: 5)
        let hash = AuditRecorder.hash(update.parameters)
        let receipt = try node(in: folder).receipt(for: update, instruction: instruction(round: 1, charter: charter))
        let forged = try UpdateAttestation(charterHash: charter.hash, participant: "p", round: 1, updateHash: hash)
            .sign(with: .simulated(seed: 9, participant: "p"))
        let logs: [(String, Signature?, Int?)] = [
            ("good.jsonl", try Signature(rawRepresentation: receipt.signature), nil),
            ("forged.jsonl", try Signature(rawRepresentation: forged.signature), 1),
            ("missing.jsonl", nil, 1),
        ]
        try Data((charter.canonicalValue.canonicalText + "\n").utf8).write(to: folder.appendingPathComponent("charter.json"))
        for (name, signature, failing) in logs {
            let log = try log(charter: charter, receipt: signature, updateHash: hash)
            #expect(AuditVerifier.verify(log, keys: charter.trustedKeys).failure?.index == failing, "\(name)")
            try log.jsonLines.write(to: folder.appendingPathComponent(name))
            let python = try PythonVerifierTests.run(["audit", name, "--charter-json", "charter.json"], in: folder)
            if let failing {
                #expect(python.status == 1, "\(name): \(python.output)")
                #expect(python.output.contains("INVALID: entry \(failing) (line \(failing + 1))"), "\(name): \(python.output)")
            } else {
                #expect(python.status == 0, "\(name): \(python.output)")
            }
        }
    }
}
