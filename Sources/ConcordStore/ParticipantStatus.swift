import Foundation

/// A participant's latest status: the last event recorded for it in a run.
public struct ParticipantStatus: Sendable, Equatable {
    /// The participant's name, as the coordinator knows it.
    public var participant: String
    /// What happened last.
    public var kind: ParticipantEventKind
    /// A human-readable detail ("missed the round 4 deadline", the error it raised).
    public var detail: String
    /// When it was recorded.
    public var at: Date

    /// Creates a status.
    public init(participant: String, kind: ParticipantEventKind, detail: String, at: Date) {
        self.participant = participant
        self.kind = kind
        self.detail = detail
        self.at = at
    }
}
