/// Why a release manifest cannot be read, built or signed.
public struct ReleaseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong and what is expected.
    public var reason: String

    /// Creates an error.
    public init(_ reason: String) { self.reason = reason }

    /// A message a person can act on.
    public var description: String { "release: \(reason)" }
}
