/// Errors of the federated round: misfitting parameters, failed participants, impossible settings.
public enum FederationError: Error, Equatable, CustomStringConvertible {
    /// Parameters do not match the layout they are used with.
    case layoutMismatch(String)
    /// A setting is out of range or inconsistent.
    case invalidConfiguration(String)
    /// Too few participants answered for the round to count.
    case notEnoughResults(round: Int, received: Int, required: Int)
    /// A participant did not answer before the round's deadline.
    case deadlineExceeded(participant: Int)
    /// A participant failed while training or evaluating.
    case participantFailed(participant: Int, reason: String)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .layoutMismatch(let detail): "parameter layout mismatch: \(detail)"
        case .invalidConfiguration(let detail): "invalid configuration: \(detail)"
        case .notEnoughResults(let round, let received, let required):
            "round \(round): only \(received) participants answered, \(required) are required; the previous model is kept"
        case .deadlineExceeded(let participant): "participant \(participant) missed the round deadline"
        case .participantFailed(let participant, let reason): "participant \(participant) failed: \(reason)"
        }
    }
}
