/// A governed run (or a governance command) that cannot go on: the message says what to fix.
public struct GovernanceFailure: Error, CustomStringConvertible {
    /// What is wrong and what to do.
    public var description: String

    /// A failure with its message.
    public init(_ description: String) { self.description = description }
}
