/// What ``AuditVerifier`` found: how far the log checked out, and the first entry that did not and why.
public struct VerificationReport: Sendable, Equatable, CustomStringConvertible {
    /// The first problem: the entry (0-based position in the log, which is also its line number minus 1) and why.
    public struct Failure: Sendable, Equatable, CustomStringConvertible {
        /// The position of the first bad entry; `entries` itself for a log that ends too early.
        public var index: Int
        /// What is wrong with it.
        public var reason: String

        /// Creates a failure.
        public init(index: Int, reason: String) {
            self.index = index
            self.reason = reason
        }

        /// "entry I (line I+1): reason".
        public var description: String { "entry \(index) (line \(index + 1)): \(reason)" }
    }

    /// The number of entries (lines) in the log.
    public var entries: Int
    /// The number of coordinator signatures verified valid (the anchor's, or all with `everySignature`).
    public var coordinatorSignaturesVerified = 0
    /// The number of receipts verified valid.
    public var receiptsVerified = 0
    /// The head of the entries that passed the sequential checks (all of them for a valid log; nil when none did).
    public var head: LogHead?
    /// Whether the log ends with its seal.
    public var sealed: Bool
    /// The first problem, nil when the log verified.
    public var failure: Failure?

    /// Whether the log verified.
    public var isValid: Bool { failure == nil }

    /// One line for people.
    public var description: String {
        if let failure { return "audit log INVALID: \(failure)" }
        let headText = head.map { "head \($0.hash)" } ?? "empty"
        return "audit log valid: \(entries) entries, \(coordinatorSignaturesVerified) coordinator signature(s) and "
            + "\(receiptsVerified) receipts verified, \(sealed ? "sealed" : "not sealed"), " + headText
    }
}
