import ConcordFederation
import Foundation
import Synchronization

/// The dashboard's view of an in-process simulation (`concord simulate --dashboard`): built from the
/// coordinator's round events, since a simulation keeps no store. Its participants are numbered.
public final class SimulationDashboardSource: DashboardSource {
    private struct State {
        var rounds: [DashboardSnapshot.Round] = []
        var round: Int?
        var training: Set<Int> = []
        var answered: [Int: Bool] = [:]
        var finished: String?
    }

    private let state = Mutex(State())
    private let description: String
    private let participantCount: Int
    private let plannedRounds: Int
    private let epsilonBudget: Double?

    /// A view of a simulation of `participants` participants and at most `rounds` rounds, described by
    /// `description` (its settings, shown as the configuration).
    public init(description: String, participants: Int, rounds: Int, epsilonBudget: Double?) {
        self.description = description
        self.participantCount = participants
        self.plannedRounds = rounds
        self.epsilonBudget = epsilonBudget
    }

    /// Follows `events` until they end.
    public func follow(_ events: AsyncStream<RoundEvent>) -> Task<Void, Never> {
        Task { for await event in events { self.observe(event) } }
    }

    /// Takes in one round event.
    public func observe(_ event: RoundEvent) {
        state.withLock { state in
            switch event {
            case .roundStarted(let round, let participants):
                state.round = round
                state.training = Set(participants)
            case .participantFinished(_, let participant, let succeeded, _, _):
                state.training.remove(participant)
                state.answered[participant] = succeeded
            case .roundFinished(let record):
                state.round = nil
                state.training = []
                state.rounds.append(DashboardSnapshot.Round(record, name: { "participant \($0)" }))
            case .runFinished(_, let reason):
                state.finished = reason
            }
        }
    }

    /// The simulation as it is now.
    public func snapshot() -> DashboardSnapshot {
        let now = state.withLock { $0 }
        // Only the participants that took part so far, to keep a page of a thousand participants readable.
        let seen = Set(now.answered.keys).union(now.training).sorted()
        let participants = seen.filter { $0 < participantCount }.map { id in
            DashboardSnapshot.Participant(
                name: "participant \(id)",
                state: now.training.contains(id) ? "training" : (now.answered[id] == false ? "failed" : "connected"),
                detail: now.training.contains(id) ? "in round \(now.round ?? 0)" : "", lastSeen: nil)
        }
        return DashboardSnapshot(
            run: "simulation", state: now.finished == nil ? "running" : "finished", reason: now.finished,
            configuration: description, plannedRounds: plannedRounds, rounds: now.rounds, participants: participants,
            roundInProgress: now.round, failedTries: [],
            epsilonSpent: now.rounds.last(where: { $0.epsilon != nil })?.epsilon, epsilonBudget: epsilonBudget,
            live: true)
    }
}
