import Dispatch
import Foundation

/// Checks a stored audit log: every line canonical and well formed, indices consecutive from 0, each entry chained
/// to the one before, the coordinator's signatures, every receipt, every witness's receipt present, and the log
/// complete. The report names the first entry that fails and why.
///
/// **Coordinator signatures.** Each entry's hash covers its body *and* its coordinator signature, and each body
/// holds the previous entry's hash, so the last entry's signature authenticates every byte of every entry before
/// it. The verifier therefore checks the last entry's signature (the *anchor*) and the chain; it checks an earlier
/// entry's signature only to tell which side of a broken link was changed, or to find the first bad one when the
/// anchor fails. Only the coordinator's key can make a log pass this way, and that key could sign anything anyway;
/// `everySignature` checks each entry's signature too (as `Tools/verify_concord.py` does). Receipts, the
/// participants' evidence against the coordinator, are always checked one by one.
///
/// **Completeness (truncation).** A log must end with its seal (``AuditEntry/Kind/sealed``, stating the number of
/// entries), or, when `expectedHead` is given (from a release manifest the participants co-signed), match it
/// exactly in length and last hash. Without either, a log cut after any entry would look whole, so an unsealed
/// log fails unless `requireSeal` is false (for a run still in progress).
public enum AuditVerifier {
    /// Verifies a stored log (JSON lines).
    ///
    /// - Parameters:
    ///   - jsonLines: the file's bytes.
    ///   - keys: the coordinator's and participants' keys (``Charter/trustedKeys``).
    ///   - expectedHead: the length and last hash the log must have, for example from a release manifest.
    ///   - requireSeal: whether the log must end with its seal.
    ///   - heldReceipts: receipts participants kept; each must match its entry in the log.
    ///   - everySignature: check every entry's coordinator signature, not only the anchor's.
    /// - Returns: the report; ``VerificationReport/failure`` names the first bad entry.
    public static func verify(
        jsonLines: Data, keys: TrustedKeys, expectedHead: LogHead? = nil, requireSeal: Bool = true,
        heldReceipts: [Receipt] = [], everySignature: Bool = false
    ) -> VerificationReport {
        let lines = AuditLog.lines(of: Array(jsonLines))
        var scan = ChainScan(keys: keys)
        scan.run(lines)
        var failure = scan.failure
        let limit = failure?.index ?? scan.entries.count  // entries before this one passed the sequential checks
        var report = VerificationReport(entries: lines.count, head: nil, sealed: false)

        // Coordinator signatures: all of them, or the anchor (and a search for the first bad one if it fails).
        let candidates = everySignature ? Array(0..<limit) : (limit > 0 ? [limit - 1] : [])
        let coordinatorChecks = candidates.map { i in
            SignatureCheck(
                index: i, key: keys.coordinator, signature: scan.entries[i].signature, bytes: scan.entries[i].bodyBytes,
                what: "the coordinator's signature is invalid")
        }
        var results = verifyInParallel(coordinatorChecks)
        report.coordinatorSignaturesVerified = results.filter { $0 }.count + scan.coordinatorSignaturesVerified
        if let bad = zip(coordinatorChecks, results).first(where: { !$1 })?.0 {
            var first = bad.index
            if !everySignature {
                // The anchor is bad: find the first entry whose signature is.
                first = (0..<limit).first { !scan.entries[$0].isSigned(by: keys.coordinator) } ?? bad.index
            }
            failure = earliest(failure, .init(index: first, reason: bad.what))
        }

        // Receipts, one by one.
        let receiptChecks = scan.receiptChecks.filter { $0.index < limit }
        results = verifyInParallel(receiptChecks)
        report.receiptsVerified = results.filter { $0 }.count
        if let bad = zip(receiptChecks, results).first(where: { !$1 })?.0 {
            failure = earliest(failure, .init(index: bad.index, reason: bad.what))
        }

        let hashes = scan.hashes
        if let last = hashes.last { report.head = LogHead(entries: hashes.count, hash: last) }
        report.sealed = scan.sealIndex != nil && scan.sealIndex == lines.count - 1
        if failure == nil {
            failure = completenessProblem(
                hashes: hashes, sealed: report.sealed, expectedHead: expectedHead, requireSeal: requireSeal)
        }
        if failure == nil {
            for held in heldReceipts
            where !(hashes.indices.contains(held.index) && hashes[held.index] == held.entryHash) {
                failure = .init(
                    index: held.index,
                    reason: "does not match the receipt '\(held.participant)' kept: the entry was changed or removed")
                break
            }
        }
        report.failure = failure
        return report
    }

    /// Verifies a log in memory (as it would be stored).
    ///
    /// - Returns: the report; ``VerificationReport/failure`` names the first bad entry.
    public static func verify(
        _ log: AuditLog, keys: TrustedKeys, expectedHead: LogHead? = nil, requireSeal: Bool = true,
        heldReceipts: [Receipt] = [], everySignature: Bool = false
    ) -> VerificationReport {
        verify(
            jsonLines: log.jsonLines, keys: keys, expectedHead: expectedHead, requireSeal: requireSeal,
            heldReceipts: heldReceipts, everySignature: everySignature)
    }

    private static func earliest(
        _ a: VerificationReport.Failure?, _ b: VerificationReport.Failure
    )
        -> VerificationReport.Failure
    {
        guard let a, a.index <= b.index else { return b }
        return a
    }

    private static func completenessProblem(
        hashes: [String], sealed: Bool, expectedHead: LogHead?, requireSeal: Bool
    ) -> VerificationReport.Failure? {
        if let expectedHead {
            if hashes.count < expectedHead.entries {
                return .init(
                    index: hashes.count,
                    reason: "missing: the log ends after \(hashes.count) entries but its head is at "
                        + "\(expectedHead.entries) (truncated)")
            }
            if hashes.count > expectedHead.entries {
                return .init(
                    index: expectedHead.entries, reason: "beyond the expected head of \(expectedHead.entries) entries")
            }
            if hashes.last != expectedHead.hash {
                return .init(
                    index: max(hashes.count - 1, 0),
                    reason: "the last entry's hash is not the expected head \(expectedHead.hash.prefix(16))…")
            }
            return nil
        }
        if hashes.isEmpty { return .init(index: 0, reason: "the log is empty") }
        if requireSeal, !sealed {
            return .init(
                index: hashes.count,
                reason: "missing: the log ends without its seal, so it was truncated (or its run is still going; "
                    + "verify against an expected head, or allow an unsealed log)")
        }
        return nil
    }

    struct SignatureCheck: Sendable {
        var index: Int
        var key: PublicKey
        var signature: Signature?
        var bytes: [UInt8]
        var what: String

        func isValid() -> Bool {
            guard let signature else { return false }
            return key.isValidSignature(signature, for: bytes)
        }
    }

    /// Checks signatures on all cores (they are independent); the results are in the order of `checks`.
    static func verifyInParallel(_ checks: [SignatureCheck]) -> [Bool] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        guard checks.count >= 32, workers > 1 else { return checks.map { $0.isValid() } }
        var valid = [Bool](repeating: false, count: checks.count)
        let chunk = (checks.count + workers - 1) / workers
        valid.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let start = worker * chunk
                let end = min(start + chunk, checks.count)
                guard start < end else { return }
                for i in start..<end { out[i] = checks[i].isValid() }
            }
        }
        return valid
    }
}
