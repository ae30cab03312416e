/// Where a run stands between rounds.
public enum RunState: String, Sendable, Codable, CaseIterable {
    /// Rounds are being run.
    case running
    /// Stopped on purpose (an operator, a spent privacy budget); it may be resumed.
    case paused
    /// Every round has been run; the run will not continue.
    case finished
    /// The coordinator stopped on an error (a model too large for memory, a store that cannot be written); the
    /// reason says which. Opening the run again restarts it: from its last committed round with the same
    /// configuration, or afresh under a corrected one when no round was committed.
    case failed
}
