/// What happened to a participant, as the coordinator records it.
public enum ParticipantEventKind: String, Sendable, Codable, CaseIterable {
    /// It connected (or reconnected) to the coordinator.
    case connected
    /// Its connection closed or timed out.
    case disconnected
    /// The coordinator refused it (unknown identity, charter violation, bad credentials).
    case refused
    /// Its result arrived after the round's deadline and was not aggregated.
    case late
    /// Its training or evaluation failed.
    case failed
    /// It delivered a result in time.
    case completed
    /// It was excluded from the rest of the run (invalid replies, again and again).
    case excluded
}
