/// Errors of the privacy machinery: out-of-range parameters and privacy targets no setting can meet.
public enum PrivacyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A parameter is out of its range (for example a sampling rate outside [0, 1]); the text says which and why.
    case invalidParameter(String)
    /// The parameters are valid but no value of the searched quantity meets the privacy target.
    case unattainableTarget(String)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .invalidParameter(let detail): "invalid privacy parameter: \(detail)"
        case .unattainableTarget(let detail): "privacy target cannot be met: \(detail)"
        }
    }
}
