/// One field in which a run's stored plan and the plan given for its resume differ.
public struct PlanDifference: Sendable, Equatable, CustomStringConvertible {
    /// The field, as the YAML names it (`dp.noise_multiplier`, `round_deadline_seconds`).
    public var field: String
    /// The stored value, as text.
    public var stored: String
    /// The given value, as text.
    public var given: String

    /// Describes a difference.
    public init(field: String, stored: String, given: String) {
        self.field = field
        self.stored = stored
        self.given = given
    }

    /// Whether the field may change on a resume: it changes neither what is computed nor the privacy guarantee.
    public var isSafe: Bool { Self.safeFields.contains(field) }

    /// `FIELD: stored X, given Y`.
    public var description: String { "\(field): stored \(stored), given \(given)" }

    /// The fields a resume may change with `--accept-changed`: how long the coordinator waits, how it retries,
    /// how often it beats, and where the charter it re-checks at every start is kept.
    public static let safeFields: [String] = [
        "round_deadline_seconds", "wait_for_participants", "wait_timeout_seconds", "retry_backoff_seconds",
        "max_retries", "heartbeat_seconds", "charter",
    ]
}
