import ConcordFederation
import ConcordStore
import Foundation
import Synchronization

/// The dashboard's view of a run in a ``RunStore``: what `concord dashboard --store` shows of a finished run, and
/// what `concord serve --dashboard` shows of its own, with what the coordinator knows live (``LiveRunStatus``).
///
/// Round records are read again only when the store has committed another round, so a page polled every second
/// costs one small query per poll while nothing changes.
public final class StoreDashboardSource: DashboardSource {
    private let store: any RunStore
    private let runName: String
    private let live: LiveRunStatus?
    private let plannedRounds: Int?
    private let cache = Mutex<(count: Int, rows: [DashboardSnapshot.Round], budget: Double?)?>(nil)

    /// A view of the run called `run` in `store`.
    ///
    /// - Parameters:
    ///   - plannedRounds: the rounds the run is to have, when known (the configuration's `rounds`).
    ///   - live: what the coordinator serving the run knows, when it runs in this process.
    public init(store: any RunStore, run: String, plannedRounds: Int? = nil, live: LiveRunStatus? = nil) {
        self.store = store
        self.runName = run
        self.live = live
        self.plannedRounds = plannedRounds
    }

    /// The run as the store holds it now.
    ///
    /// - Throws: ``DashboardError/noSuchRun(_:available:)``, and the store's errors.
    public func snapshot() throws -> DashboardSnapshot {
        let runs = try store.runs()
        guard let stored = runs.first(where: { $0.name == runName }) else {
            throw DashboardError.noSuchRun(runName, available: runs.map(\.name))
        }
        let names = live?.names ?? Self.participants(in: stored.configuration)
        let name: (Int) -> String = { id in names.indices.contains(id) ? names[id] : "participant \(id)" }
        let (rows, budget) = try rounds(of: stored, name: name)
        let now = live?.now
        var participants: [DashboardSnapshot.Participant] = []
        var seen = Set<String>()
        for status in try store.participantStatuses(run: stored.id) {
            seen.insert(status.participant)
            participants.append(
                DashboardSnapshot.Participant(
                    name: status.participant, state: Self.state(of: status, now: now), detail: status.detail,
                    lastSeen: status.at))
        }
        for missing in names where !seen.contains(missing) {
            participants.append(
                DashboardSnapshot.Participant(name: missing, state: "never seen", detail: "", lastSeen: nil))
        }
        participants.sort { $0.name < $1.name }
        return DashboardSnapshot(
            run: stored.name, state: stored.state.rawValue, reason: stored.reason,
            configuration: Self.hidingSeed(stored.configuration),
            plannedRounds: plannedRounds ?? Self.plannedRounds(in: stored.configuration), rounds: rows,
            participants: participants, roundInProgress: now?.round, failedTries: now?.failedTries ?? [],
            epsilonSpent: rows.last(where: { $0.epsilon != nil })?.epsilon, epsilonBudget: budget, live: live != nil)
    }

    /// The rows of the committed rounds, from the cache while no round was committed since.
    private func rounds(of stored: StoredRun, name: (Int) -> String) throws -> ([DashboardSnapshot.Round], Double?) {
        if let cached = cache.withLock({ $0 }), cached.count == stored.completedRounds {
            return (cached.rows, cached.budget)
        }
        let records = try store.rounds(run: stored.id)
        let rows = records.map { DashboardSnapshot.Round($0, name: name) }
        let budget = records.last(where: { $0.metrics["epsilon_budget"] != nil })?.metrics["epsilon_budget"]
        cache.withLock { $0 = (records.count, rows, budget) }
        return (rows, budget)
    }

    /// A participant's state from its last event, and from what the coordinator knows live.
    private static func state(
        of status: ParticipantStatus,
        now: (round: Int?, training: Set<String>, connected: Set<String>, failedTries: [String])?
    ) -> String {
        if let now, status.kind != .excluded {
            if now.training.contains(status.participant) { return "training" }
            return now.connected.contains(status.participant) ? "connected" : Self.away(status.kind)
        }
        switch status.kind {
        case .connected, .completed: return "connected"
        default: return away(status.kind)
        }
    }

    private static func away(_ kind: ParticipantEventKind) -> String {
        switch kind {
        case .connected, .completed, .disconnected: "dropped"
        case .refused: "refused"
        case .late: "late"
        case .failed: "failed"
        case .excluded: "excluded"
        }
    }

    /// The configuration text with its `seed:` line's value hidden: whoever knows the seed can tell who is
    /// sampled.
    static func hidingSeed(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.trimmingCharacters(in: .whitespaces).hasPrefix("seed:") ? "seed: (hidden)" : String(line)
        }.joined(separator: "\n")
    }

    /// The names of a stored configuration's one-line `participants: [a, b, c]`, when it has one.
    static func participants(in text: String) -> [String] {
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("participants:"), let open = trimmed.firstIndex(of: "["),
                let close = trimmed.lastIndex(of: "]"), open < close
            else { continue }
            return trimmed[trimmed.index(after: open)..<close].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        }
        return []
    }

    /// The `rounds:` value of a stored configuration, when it has a plain one.
    static func plannedRounds(in text: String) -> Int? {
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("rounds:") else { continue }
            let value = trimmed.dropFirst("rounds:".count).split(separator: "#").first ?? ""
            return Int(value.trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}

/// Why the dashboard cannot show what it was asked to.
public enum DashboardError: Error, CustomStringConvertible, Equatable {
    /// The store holds no run of that name.
    case noSuchRun(String, available: [String])
    /// The store holds several runs and none was named.
    case whichRun(available: [String])
    /// The address is not one the dashboard may listen on.
    case address(String, reason: String)

    /// What went wrong and what to do.
    public var description: String {
        switch self {
        case .noSuchRun(let name, let available):
            "the store has no run named '\(name)'"
                + (available.isEmpty ? " (it has no runs)" : "; it has \(available.joined(separator: ", "))")
        case .whichRun(let available):
            "the store has several runs (\(available.joined(separator: ", "))); name one with --run"
        case .address(let address, let reason): "cannot serve the dashboard on \(address): \(reason)"
        }
    }
}
