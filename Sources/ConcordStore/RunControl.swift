/// What an operator asked of a running coordinator, kept in the store until the coordinator acts on it: the
/// coordinator reads it between rounds, so a request never cuts a round in half.
public enum RunControl: String, Sendable, Codable, CaseIterable {
    /// Hold the run before its next round, until the request is withdrawn (`concord run resume`).
    case pause
    /// End the coordinator after the round in progress, leaving the run resumable exactly where it was: the
    /// next `concord serve` with the same configuration carries on from the last committed round.
    case stop
}
