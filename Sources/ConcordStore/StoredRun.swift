import Foundation

/// A run as a ``RunStore`` keeps it: its name, its configuration and how far it got.
public struct StoredRun: Sendable, Equatable {
    /// The store's identifier for the run, passed to every other ``RunStore`` call.
    public var id: Int64
    /// The run's unique name.
    public var name: String
    /// The configuration the run was created with (the federation config file's contents).
    public var configuration: String
    /// Whether it is running, paused or finished.
    public var state: RunState
    /// Why it is in that state, when someone said.
    public var reason: String?
    /// The number of rounds committed; the next round is `completedRounds + 1`.
    public var completedRounds: Int
    /// When the run was created.
    public var createdAt: Date
    /// When the run last changed (a round committed, its state set).
    public var updatedAt: Date
    /// The seed the run was created with (initialisation, sampling, shuffling); nil for a run created without
    /// one. It decides who is sampled each round, so it is kept here and never shown.
    public var seed: UInt64?
    /// The run's plan (a `RunPlan`'s canonical JSON) as last admitted; nil for a run stored before plans were.
    public var plan: String?

    /// Creates a run description.
    public init(
        id: Int64, name: String, configuration: String, state: RunState, reason: String?, completedRounds: Int,
        createdAt: Date, updatedAt: Date, seed: UInt64? = nil, plan: String? = nil
    ) {
        self.id = id
        self.name = name
        self.configuration = configuration
        self.state = state
        self.reason = reason
        self.completedRounds = completedRounds
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.seed = seed
        self.plan = plan
    }
}
