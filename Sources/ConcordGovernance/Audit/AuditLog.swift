import Foundation

/// The tamper-evident record of a federation's runs: entries chained by hash, each signed by the coordinator,
/// round entries countersigned by their participants, and a final signed seal stating the log's length.
///
/// Stored as JSON lines (``jsonLines``), one canonical JSON object per entry. ``AuditVerifier`` checks a stored log.
public struct AuditLog: Sendable, Equatable {
    /// The entries, in order.
    public private(set) var entries: [AuditEntry]

    /// An empty log.
    public init() { entries = [] }

    /// A log of entries as they are, unchecked (``AuditVerifier`` checks them).
    public init(entries: [AuditEntry]) { self.entries = entries }

    /// The number of entries and the hash of the last; nil for an empty log.
    public var head: LogHead? { entries.last.map { LogHead(entries: entries.count, hash: $0.hash) } }

    /// Whether the last entry is the seal.
    public var isSealed: Bool { entries.last?.kind == .sealed }

    /// Appends an entry, chained to the last and signed by the coordinator.
    ///
    /// - Returns: the entry appended.
    /// - Throws: ``AuditLogError`` when the log is sealed or signing fails.
    @discardableResult
    public mutating func append(
        _ kind: AuditEntry.Kind, payload: CanonicalValue, witnesses: [String] = [],
        signedBy coordinator: SigningIdentity, at date: Date = Date()
    ) throws(AuditLogError) -> AuditEntry {
        guard !isSealed else { throw AuditLogError(index: entries.count, reason: "the log is sealed; start a new one") }
        var entry = AuditEntry(
            index: entries.count, timestamp: AuditEntry.timestamp(date), kind: kind, payload: payload,
            previousHash: entries.last?.hash ?? SHA256Hex.zero, witnesses: witnesses)
        do {
            entry.signature = try coordinator.sign(entry.bodyBytes)
        } catch {
            throw AuditLogError(index: entry.index, reason: "\(error)")
        }
        entries.append(entry)
        return entry
    }

    /// Appends the entry that records `event`.
    ///
    /// - Returns: the entry appended.
    /// - Throws: ``AuditLogError`` when the log is sealed or signing fails.
    @discardableResult
    public mutating func append(
        _ event: AuditEvent, signedBy coordinator: SigningIdentity, at date: Date = Date()
    )
        throws(AuditLogError) -> AuditEntry
    {
        try append(event.kind, payload: event.payload, witnesses: event.witnesses, signedBy: coordinator, at: date)
    }

    /// Ends the log with the signed seal, `{"entries": N}` where N counts the seal too.
    ///
    /// - Returns: the sealed log's head, for the release manifest.
    /// - Throws: ``AuditLogError`` when the log is already sealed or signing fails.
    @discardableResult
    public mutating func seal(
        signedBy coordinator: SigningIdentity, at date: Date = Date()
    ) throws(AuditLogError)
        -> LogHead
    {
        let entry = try append(
            .sealed, payload: .object(["entries": .integer(entries.count + 1)]), signedBy: coordinator, at: date)
        return LogHead(entries: entries.count, hash: entry.hash)
    }

    /// Attaches a participant's receipt to the entry it countersigns (its validity is checked by the verifier).
    ///
    /// - Throws: ``AuditLogError`` when there is no such entry, the hash differs, the participant is not a witness
    ///   or has a receipt there already.
    public mutating func attach(_ receipt: Receipt) throws(AuditLogError) {
        guard entries.indices.contains(receipt.index) else {
            throw AuditLogError(
                index: receipt.index, reason: "no such entry for the receipt of '\(receipt.participant)'")
        }
        let entry = entries[receipt.index]
        guard entry.hash == receipt.entryHash else {
            throw AuditLogError(
                index: receipt.index, reason: "the receipt of '\(receipt.participant)' is for another entry")
        }
        guard entry.witnesses.contains(receipt.participant) else {
            throw AuditLogError(index: receipt.index, reason: "'\(receipt.participant)' is not a witness of the entry")
        }
        guard !entry.receipts.contains(where: { $0.participant == receipt.participant }) else {
            throw AuditLogError(index: receipt.index, reason: "'\(receipt.participant)' has countersigned already")
        }
        entries[receipt.index].receipts.append(receipt)
        entries[receipt.index].receipts.sort { $0.participant.utf8.lexicographicallyPrecedes($1.participant.utf8) }
    }

    /// The stored form: each entry's ``AuditEntry/line`` as canonical JSON, each followed by a newline.
    public var jsonLines: Data {
        var bytes: [UInt8] = []
        for entry in entries {
            entry.line.append(to: &bytes)
            bytes.append(0x0a)
        }
        return Data(bytes)
    }

    /// Reads a stored log, requiring each line to be an entry in canonical form (signatures are not checked).
    ///
    /// - Throws: ``AuditLogError`` naming the first line that cannot be read.
    public init(jsonLines data: Data) throws(AuditLogError) {
        var entries: [AuditEntry] = []
        for (i, line) in Self.lines(of: Array(data)).enumerated() {
            entries.append(try Self.entry(fromLine: line, position: i))
        }
        self.entries = entries
    }

    /// The lines of a stored log: split at newlines; a final newline ends the last line.
    static func lines(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    static func entry(fromLine line: ArraySlice<UInt8>, position: Int) throws(AuditLogError) -> AuditEntry {
        try hashedEntry(fromLine: line, position: position).entry
    }

    /// Reads a line into an entry and its hash, encoding the signed entry once.
    static func hashedEntry(
        fromLine line: ArraySlice<UInt8>, position: Int
    ) throws(AuditLogError) -> (
        entry: AuditEntry, hash: String
    ) {
        let bytes = Array(line)
        let value: CanonicalValue, members: [String: Range<Int>]
        do {
            (value, members) = try CanonicalJSON.parseCanonicalMembers(bytes)
        } catch {
            throw AuditLogError(index: position, reason: "unreadable line: \(error)")
        }
        // The signed entry is the line without its receipts member: cut that member and the comma before it out of
        // the canonical bytes (the result is the canonical encoding of the rest).
        var hash = SHA256Hex.of(bytes)
        if let range = members["receipts"], range.lowerBound > 0, bytes[range.lowerBound - 1] == 0x2c {
            hash = SHA256Hex.of(bytes[..<(range.lowerBound - 1)] + bytes[range.upperBound...])
        }
        do {
            return (try AuditEntry(line: value, hash: hash), hash)
        } catch {
            throw AuditLogError(index: position, reason: error.reason)
        }
    }
}
