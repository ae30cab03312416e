/// Why a charter cannot be read, built or signed: what is wrong, and where (the field, and the YAML line when
/// known).
public struct CharterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The field, in the charter's own spelling (`participants[1].id`); nil for the document as a whole.
    public var field: String?
    /// The 1-based line of the YAML file, when known.
    public var line: Int?
    /// What is wrong and what is expected.
    public var reason: String

    /// Creates an error.
    public init(field: String?, line: Int? = nil, reason: String) {
        self.field = field
        self.line = line
        self.reason = reason
    }

    /// A message a person can act on: "charter line 12, participants[1].id: …".
    public var description: String {
        var place = "charter"
        if let line { place += " line \(line)" }
        if let field { place += ", \(field)" }
        return "\(place): \(reason)"
    }
}

/// A run or a task the charter does not permit, and the clause that forbids it.
public struct CharterViolation: Error, Equatable, Sendable, CustomStringConvertible {
    /// The clause, in the charter's own spelling: `tasks[0].strategies`, `privacy.min_noise_multiplier`…
    public var clause: String
    /// What the run asked for against what the clause allows.
    public var reason: String

    /// Creates a violation.
    public init(clause: String, reason: String) {
        self.clause = clause
        self.reason = reason
    }

    /// "clause: reason", for example "privacy.min_noise_multiplier: 0.5 < 1.0".
    public var description: String { "\(clause): \(reason)" }
}
