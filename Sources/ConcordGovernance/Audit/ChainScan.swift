/// The sequential pass of ``AuditVerifier``: reads each line, checks its form, index, link to the previous entry,
/// receipts' structure and the seal, and collects the receipts to verify. Stops at the first entry that fails.
struct ChainScan {
    let keys: TrustedKeys
    private(set) var entries: [AuditEntry] = []
    private(set) var hashes: [String] = []
    private(set) var receiptChecks: [AuditVerifier.SignatureCheck] = []
    private(set) var sealIndex: Int?
    private(set) var failure: VerificationReport.Failure?
    /// Coordinator signatures verified while locating a broken link.
    private(set) var coordinatorSignaturesVerified = 0
    /// The charter of the run the entries belong to (its last `run_started`), and whether that run's updates must
    /// carry their participants' receipts.
    private var run: (charter: String, updateReceipts: Bool)?

    init(keys: TrustedKeys) { self.keys = keys }

    mutating func run(_ lines: [ArraySlice<UInt8>]) {
        entries.reserveCapacity(lines.count)
        hashes.reserveCapacity(lines.count)
        for (position, line) in lines.enumerated() {
            if let reason = check(line, at: position) {
                if failure == nil { failure = .init(index: position, reason: reason) }
                return
            }
        }
    }

    /// Checks the line at `position`; nil when it passes (and is recorded), else why it fails.
    private mutating func check(_ line: ArraySlice<UInt8>, at position: Int) -> String? {
        let entry: AuditEntry, hash: String
        do {
            (entry, hash) = try AuditLog.hashedEntry(fromLine: line, position: position)
        } catch {
            return error.reason
        }
        if let sealIndex { return "an entry after the seal at entry \(sealIndex)" }
        guard entry.index == position else {
            return "claims index \(entry.index) at position \(position): an entry was deleted, inserted or moved"
        }
        guard entry.signature != nil else { return "the coordinator's signature is missing" }
        let previous = hashes.last ?? SHA256Hex.zero
        guard entry.previousHash == previous else {
            guard position > 0 else { return "the first entry's previous hash must be 64 zeros" }
            // Which side of the link changed? A bad signature on the entry before means that one.
            if entries[position - 1].isSigned(by: keys.coordinator) {
                coordinatorSignaturesVerified += 1
            } else {
                failure = .init(index: position - 1, reason: "the coordinator's signature is invalid")
            }
            return "previous hash does not match entry \(position - 1): the chain is broken"
        }
        if let problem = receiptProblem(entry, hash: hash) { return problem }
        if let problem = updateReceiptProblem(entry) { return problem }
        if entry.kind == .sealed {
            guard entry.payload == .object(["entries": .integer(position + 1)]) else {
                return "the seal must state {\"entries\": \(position + 1)}"
            }
            sealIndex = position
        }
        entries.append(entry)
        hashes.append(hash)
        return nil
    }

    /// Follows the run an entry belongs to, and checks the structure of an update's receipt (its signature is
    /// checked with the others).
    private mutating func updateReceiptProblem(_ entry: AuditEntry) -> String? {
        if entry.kind == .runStarted {
            guard let charter = entry.payload["charter"]?.stringValue else { return "run_started names no charter" }
            run = (charter, entry.payload["update_receipts"] == .bool(true))
            return nil
        }
        guard entry.kind == .updateReceived else { return nil }
        guard let text = entry.payload["receipt"]?.stringValue else {
            if entry.payload["receipt"] != nil { return "the update's receipt must be base64" }
            return run?.updateReceipts == true ? "the update carries no receipt from its participant" : nil
        }
        guard let run else { return "an update receipt outside any run (no run_started before it)" }
        guard let participant = entry.payload["participant"]?.stringValue,
            let round = entry.payload["round"]?.integerValue, let sha256 = entry.payload["sha256"]?.stringValue
        else { return "an update entry needs participant, round and sha256" }
        guard let key = keys.participants[participant] else {
            return "an update receipt from '\(participant)', who is not a participant"
        }
        let signature: Signature
        do {
            signature = try Signature(base64: text)
        } catch {
            return "the update receipt of '\(participant)': \(error)"
        }
        receiptChecks.append(
            AuditVerifier.SignatureCheck(
                index: entry.index, key: key, signature: signature,
                bytes: UpdateAttestation(charterHash: run.charter, participant: participant, round: round, updateHash: sha256)
                    .signedBytes,
                what: "the update receipt of '\(participant)' is invalid"))
        return nil
    }

    private mutating func receiptProblem(_ entry: AuditEntry, hash: String) -> String? {
        var seen: Set<String> = []
        var previous: String?
        for receipt in entry.receipts {
            if let previous, !previous.utf8.lexicographicallyPrecedes(receipt.participant.utf8) {
                return previous == receipt.participant
                    ? "two receipts from '\(receipt.participant)'" : "receipts are not in order of participant name"
            }
            previous = receipt.participant
            seen.insert(receipt.participant)
            guard entry.witnesses.contains(receipt.participant) else {
                return "a receipt from '\(receipt.participant)', who is not a witness of the entry"
            }
            guard let key = keys.participants[receipt.participant] else {
                return "a receipt from '\(receipt.participant)', who is not a participant"
            }
            receiptChecks.append(
                AuditVerifier.SignatureCheck(
                    index: entry.index, key: key, signature: receipt.signature,
                    bytes: Receipt.signedBytes(participant: receipt.participant, index: entry.index, entryHash: hash),
                    what: "the receipt of '\(receipt.participant)' is invalid"))
        }
        for witness in entry.witnesses where !seen.contains(witness) {
            return "no receipt from the witness '\(witness)'"
        }
        return nil
    }
}
