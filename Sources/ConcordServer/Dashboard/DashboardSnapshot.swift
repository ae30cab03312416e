import Foundation

/// What the dashboard and `/metrics` show of one run at one moment: read from the run store (and, while a
/// coordinator runs, from what it knows live), so the same page shows a running, a paused or a finished run.
public struct DashboardSnapshot: Sendable, Codable, Equatable {
    /// One committed round, as the round table and the chart show it.
    public struct Round: Sendable, Codable, Equatable {
        /// The round number, from 1.
        public var round: Int
        /// Participants sampled.
        public var sampled: Int
        /// Results aggregated.
        public var answered: Int
        /// Participants that failed, dropped out or were late.
        public var failed: Int
        /// Central test accuracy in [0, 1], when the round evaluated.
        public var accuracy: Double?
        /// Central test loss, when the round evaluated.
        public var loss: Double?
        /// ε spent after this round, under differential privacy.
        public var epsilon: Double?
        /// Wall seconds of the round.
        public var seconds: Double
        /// The secure-aggregation outcome ("SecAgg+ k=2, t=2: sum of 3"), nil without secure aggregation.
        public var secureAggregation: String?
        /// Why each failed participant failed, by name.
        public var failures: [String]

        /// Creates a row.
        public init(
            round: Int, sampled: Int, answered: Int, failed: Int, accuracy: Double?, loss: Double?, epsilon: Double?,
            seconds: Double, secureAggregation: String?, failures: [String]
        ) {
            self.round = round
            self.sampled = sampled
            self.answered = answered
            self.failed = failed
            self.accuracy = accuracy
            self.loss = loss
            self.epsilon = epsilon
            self.seconds = seconds
            self.secureAggregation = secureAggregation
            self.failures = failures
        }
    }

    /// One participant's state.
    public struct Participant: Sendable, Codable, Equatable {
        /// Its name.
        public var name: String
        /// connected, training, dropped, refused, late, failed, excluded, or never seen.
        public var state: String
        /// The detail of its last event.
        public var detail: String
        /// When it was last heard of, if ever.
        public var lastSeen: Date?

        /// Creates a participant row.
        public init(name: String, state: String, detail: String, lastSeen: Date?) {
            self.name = name
            self.state = state
            self.detail = detail
            self.lastSeen = lastSeen
        }
    }

    /// The run's name.
    public var run: String
    /// running, paused, finished or failed.
    public var state: String
    /// Why it is in that state, when said.
    public var reason: String?
    /// The configuration the run was created with, its seed hidden.
    public var configuration: String
    /// The rounds the run is to have, when known.
    public var plannedRounds: Int?
    /// The committed rounds, in order.
    public var rounds: [Round]
    /// The participants, by name.
    public var participants: [Participant]
    /// The round being run now, if one is (live only).
    public var roundInProgress: Int?
    /// Tries of rounds that failed and were retried, newest last (live only: failed tries are not committed).
    public var failedTries: [String]
    /// ε spent so far, under differential privacy.
    public var epsilonSpent: Double?
    /// The ε budget, when one was set.
    public var epsilonBudget: Double?
    /// Whether a coordinator is running the run in this process (otherwise the page shows the store as it is).
    public var live: Bool
    /// When the snapshot was taken.
    public var takenAt: Date

    /// Creates a snapshot.
    public init(
        run: String, state: String, reason: String?, configuration: String, plannedRounds: Int?, rounds: [Round],
        participants: [Participant], roundInProgress: Int?, failedTries: [String], epsilonSpent: Double?,
        epsilonBudget: Double?, live: Bool, takenAt: Date = Date()
    ) {
        self.run = run
        self.state = state
        self.reason = reason
        self.configuration = configuration
        self.plannedRounds = plannedRounds
        self.rounds = rounds
        self.participants = participants
        self.roundInProgress = roundInProgress
        self.failedTries = failedTries
        self.epsilonSpent = epsilonSpent
        self.epsilonBudget = epsilonBudget
        self.live = live
        self.takenAt = takenAt
    }

    /// Participants whose state is connected or training.
    public var connectedCount: Int { participants.count { $0.state == "connected" || $0.state == "training" } }
}

/// Where the dashboard's snapshots come from: a run store, or an in-process simulation.
public protocol DashboardSource: Sendable {
    /// The run as it is now.
    ///
    /// - Throws: the store's errors.
    func snapshot() throws -> DashboardSnapshot
}
