import ArgumentParser
import ConcordFederation
import ConcordGovernance
import Foundation

/// `concord audit verify`: checks an audit log against a charter's keys.
struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an audit log: chain, signatures, receipts and completeness; name the first bad entry.",
        discussion: """
            The log must end with its signed seal; a log cut short fails. Against a release (--release) or an \
            explicit head (--head with --entries) it must also have exactly that length and last hash, which \
            catches a coordinator that re-sealed a shortened log. Exit status 1 when the log does not verify.
            """)

    @Argument(help: "The audit log (JSON lines).")
    var log: String

    @Option(help: "The charter whose coordinator and participant keys the log is verified with.")
    var charter: String

    @Option(parsing: .upToNextOption, help: "Detached charter signature files.")
    var charterSignatures: [String] = []

    @Option(help: "A release file whose audit head the log must end at.")
    var release: String?

    @Option(help: "The hash the log's last entry must have (with --entries).")
    var head: String?

    @Option(help: "The number of entries the log must have (with --head).")
    var entries: Int?

    @Option(parsing: .upToNextOption, help: "Receipt files participants kept (one canonical JSON receipt per line).")
    var receipts: [String] = []

    @Flag(
        help: """
            Verify every entry's coordinator signature, not only the last one's (which, with the hash chain, already \
            authenticates them all).
            """)
    var everySignature = false

    @Flag(help: "Accept a log without its seal (a run still in progress).")
    var allowUnsealed = false

    @Flag(help: "Print one JSON object instead of a sentence.")
    var json = false

    @Flag(help: "Print how long reading and verifying took.")
    var timing = false

    func validate() throws {
        if (head == nil) != (entries == nil) { throw ValidationError("--head and --entries go together") }
        if head != nil, release != nil { throw ValidationError("give --release or --head/--entries, not both") }
        if let head, !SHA256Hex.isWellFormed(head) {
            throw ValidationError("--head must be an entry hash: 64 lowercase hex digits")
        }
        if let entries, entries < 1 { throw ValidationError("--entries must be at least 1") }
    }

    struct Report: Encodable {
        var valid: Bool
        var entries: Int
        var coordinatorSignatures: Int
        var receipts: Int
        var sealed: Bool
        var head: String?
        var failure: Failure?
        var charter: String
        var charterInForce: Bool
        var seconds: Double?

        struct Failure: Encodable {
            var index: Int
            var line: Int
            var reason: String
        }

        enum CodingKeys: String, CodingKey {
            case valid, entries, sealed, head, failure, charter, receipts
            case coordinatorSignatures = "coordinator_signatures"
            case charterInForce = "charter_in_force", seconds
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(valid, forKey: .valid)
            try container.encode(entries, forKey: .entries)
            try container.encode(coordinatorSignatures, forKey: .coordinatorSignatures)
            try container.encode(receipts, forKey: .receipts)
            try container.encode(sealed, forKey: .sealed)
            try container.encode(head, forKey: .head)
            try container.encode(failure, forKey: .failure)
            try container.encode(charter, forKey: .charter)
            try container.encode(charterInForce, forKey: .charterInForce)
            try container.encodeIfPresent(seconds, forKey: .seconds)
        }
    }

    func run() throws {
        let charter = try GovernanceFiles.charter(self.charter, signatures: charterSignatures)
        var expectedHead: LogHead?
        if let head, let entries { expectedHead = LogHead(entries: entries, hash: head) }
        if let release { expectedHead = try SignedRelease.read(at: release).manifest.auditHead }
        var held: [Receipt] = []
        for path in receipts {
            let text = String(decoding: try GovernanceFiles.read(path, what: "receipt file"), as: UTF8.self)
            for line in text.split(separator: "\n") where !line.isEmpty {
                do {
                    held.append(try Receipt(canonicalValue: CanonicalJSON.parse(Array(line.utf8))))
                } catch {
                    throw GovernanceFailure("\(path): not a receipt (\(error))")
                }
            }
        }
        let start = ContinuousClock.now
        let data = try GovernanceFiles.read(log, what: "audit log")
        let report = AuditVerifier.verify(
            jsonLines: data, keys: charter.trustedKeys, expectedHead: expectedHead, requireSeal: !allowUnsealed,
            heldReceipts: held, everySignature: everySignature)
        let seconds = (ContinuousClock.now - start).seconds
        let charterProblems = charter.verifySignatures()
        if json {
            print(
                try GovernanceFiles.json(
                    Report(
                        valid: report.isValid && charterProblems.isEmpty, entries: report.entries,
                        coordinatorSignatures: report.coordinatorSignaturesVerified, receipts: report.receiptsVerified,
                        sealed: report.sealed, head: report.head?.hash,
                        failure: report.failure.map { .init(index: $0.index, line: $0.index + 1, reason: $0.reason) },
                        charter: charter.hash, charterInForce: charterProblems.isEmpty,
                        seconds: timing ? seconds : nil)))
        } else {
            print(report.description)
            if !charterProblems.isEmpty {
                print("the charter is NOT in force: \(charterProblems.joined(separator: "; "))")
            }
            if timing {
                let perEntry = report.entries > 0 ? seconds / Double(report.entries) * 1e6 : 0
                print(
                    "verified \(report.entries) entries in \(String(format: "%.1f", seconds * 1000)) ms "
                        + "(\(String(format: "%.1f", perEntry)) µs per entry)")
            }
        }
        if !report.isValid || !charterProblems.isEmpty { throw ExitCode(1) }
    }
}
