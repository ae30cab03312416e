/// What goes wrong on the wire: a peer that breaks the protocol, a payload that does not fit, a task a
/// node cannot serve. Every case carries a message a person can act on.
public enum WireError: Error, Equatable, CustomStringConvertible {
    /// The peer sent something the protocol does not allow at this point.
    case protocolViolation(String)
    /// A message or payload does not match what it announced (size, layout, dtype).
    case malformed(String)
    /// A payload larger than this side accepts.
    case payloadTooLarge(bytes: UInt64, limit: UInt64)
    /// The node refused the task, with its reason.
    case refused(String)
    /// The participant is not connected now.
    case notConnected(participant: String)
    /// The session ended before the task was answered.
    case sessionClosed(String)
    /// The coordinator refused the node's session.
    case rejected(String)
    /// Certificates or keys could not be loaded, or TLS is misconfigured.
    case security(String)
    /// The coordinator cannot listen on its address (taken, privileged, unknown host), and why.
    case cannotListen(endpoint: String, reason: String)
    /// The participant was excluded from the run (repeated invalid replies), and why.
    case excluded(participant: String, reason: String)
    /// The node withdrew before taking part: its data do not fit the run (the reason names file, row and column).
    case withdrew(String)

    /// A description for logs and error messages.
    public var description: String {
        switch self {
        case .protocolViolation(let detail): "protocol violation: \(detail)"
        case .malformed(let detail): "malformed message: \(detail)"
        case .payloadTooLarge(let bytes, let limit): "a payload of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case .refused(let reason): "the node refused the task: \(reason)"
        case .notConnected(let participant): "participant \(participant) is not connected"
        case .sessionClosed(let reason): "the session ended: \(reason)"
        case .rejected(let reason): "the coordinator refused the session: \(reason)"
        case .security(let detail): "TLS: \(detail)"
        case .cannotListen(let endpoint, let reason): "cannot listen on \(endpoint): \(reason)"
        case .excluded(let participant, let reason): "\(participant) is excluded from the run: \(reason)"
        case .withdrew(let reason): "withdrew from the run: \(reason)"
        }
    }
}
