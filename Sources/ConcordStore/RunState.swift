/// Where a run stands between rounds.
public enum RunState: String, Sendable, Codable, CaseIterable {
    /// Rounds are being run.
    case running
    /// Stopped on purpose (an operator, a spent privacy budget); it may be resumed.
    case paused
    /// Every round has been run; the run will not continue.
    case finished
}
