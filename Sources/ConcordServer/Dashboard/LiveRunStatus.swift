import ConcordFederation
import Synchronization

/// What a running coordinator knows that its store does not hold yet: the round in progress and who is
/// training in it, which participants are connected now, and the tries of rounds that failed (a failed try is
/// not committed). Written by the run loop, read by the dashboard.
public final class LiveRunStatus: Sendable {
    private struct State {
        var round: Int?
        var training: Set<String> = []
        var failedTries: [String] = []
    }

    private let state = Mutex(State())
    private let connected: @Sendable () -> Set<String>
    /// The participants' names, by id.
    public let names: [String]

    /// The most failed tries kept.
    static let keptTries = 20

    /// A status for participants `names` (by id); `connected` says which are connected now.
    public init(names: [String], connected: @escaping @Sendable () -> Set<String>) {
        self.names = names
        self.connected = connected
    }

    /// Participant `id`'s name.
    public func name(_ id: Int) -> String { names.indices.contains(id) ? names[id] : "participant \(id)" }

    /// Follows a round event: who trains, who is done.
    public func observe(_ event: RoundEvent) {
        state.withLock { state in
            switch event {
            case .roundStarted(let round, let participants):
                state.round = round
                state.training = Set(participants.map(name))
            case .participantFinished(_, let participant, _, _, _):
                state.training.remove(name(participant))
            case .roundFinished, .runFinished:
                state.round = nil
                state.training = []
            }
        }
    }

    /// Records a failed try of a round, to be retried.
    public func failedTry(_ text: String) {
        state.withLock { state in
            state.failedTries.append(text)
            if state.failedTries.count > Self.keptTries { state.failedTries.removeFirst() }
        }
    }

    /// The round in progress, who trains in it, who is connected, and the failed tries.
    var now: (round: Int?, training: Set<String>, connected: Set<String>, failedTries: [String]) {
        let (round, training, tries) = state.withLock { ($0.round, $0.training, $0.failedTries) }
        return (round, training, connected(), tries)
    }
}
