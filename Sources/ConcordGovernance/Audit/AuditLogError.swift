/// Why an audit log cannot be built, read or extended.
public struct AuditLogError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The entry the problem is in (0-based), when there is one.
    public var index: Int?
    /// What is wrong.
    public var reason: String

    /// Creates an error.
    public init(index: Int?, reason: String) {
        self.index = index
        self.reason = reason
    }

    /// A message a person can act on.
    public var description: String {
        if let index { return "audit log entry \(index) (line \(index + 1)): \(reason)" }
        return "audit log: \(reason)"
    }
}
