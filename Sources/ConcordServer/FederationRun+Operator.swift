import ConcordFederation
import ConcordStore
import ConcordWire
import Foundation

extension FederationRun {
    /// How often a paused run looks for the operator's next request.
    static let controlPollInterval: Duration = .milliseconds(200)

    /// Acts on the operator's request (`concord run pause|resume|stop`), read from the store between rounds.
    ///
    /// A pause holds the run here, its nodes connected, until the request is withdrawn or turned into a stop. A
    /// stop withdraws the request and marks the run paused with the reason: the next `concord serve` with the
    /// same configuration resumes it after round `completed`, as after a crash.
    /// - Returns: why the run stops, or nil to go on with the next round.
    /// - Throws: the store's errors, and `CancellationError` when the task is cancelled while paused.
    func obeyOperator(store: any RunStore, runID: Int64, completed: Int) async throws -> String? {
        var paused = false
        while true {
            switch try store.control(run: runID) {
            case nil:
                if paused {
                    try store.setState(run: runID, .running, reason: nil)
                    log("resumed by the operator after round \(completed)")
                }
                return nil
            case .stop:
                try store.requestControl(run: runID, nil)
                let reason =
                    "stopped by the operator after round \(completed) of \(config.rounds); `concord serve` with the "
                    + "same configuration resumes it"
                try store.setState(run: runID, .paused, reason: reason)
                return reason
            case .pause:
                if !paused {
                    paused = true
                    let reason = "paused by the operator after round \(completed); `concord run resume` continues"
                    try store.setState(run: runID, .paused, reason: reason)
                    log(reason)
                }
                try await Task.sleep(for: Self.controlPollInterval)
            }
        }
    }

    /// Withdraws a stop request left from before this coordinator started (the coordinator it was meant for
    /// ended first): starting a coordinator says to run. A pause request stays, and holds the run.
    func withdrawStaleStop(store: any RunStore, runID: Int64) throws {
        guard try store.control(run: runID) == .stop else { return }
        try store.requestControl(run: runID, nil)
        log("withdrew a stop request made before this coordinator started")
    }

    /// Passes `coordinator`'s round events to the dashboard's live status until cancelled.
    func follow(_ coordinator: Coordinator, into live: LiveRunStatus) async -> Task<Void, Never> {
        let events = await coordinator.events()
        return Task {
            for await event in events {
                if Task.isCancelled { break }
                live.observe(event)
            }
        }
    }

    /// Starts the dashboard on the run in `store`, when one was asked for.
    ///
    /// - Throws: ``DashboardError/address(_:reason:)`` when it cannot listen, and what `onListening` throws.
    func startDashboard(
        store: any RunStore, live: LiveRunStatus, traffic: WireTraffic
    ) async throws
        -> DashboardServer?
    {
        guard let dashboard else { return nil }
        let source = StoreDashboardSource(store: store, run: config.run, plannedRounds: config.rounds, live: live)
        let server = try await DashboardServer.start(on: dashboard.endpoint, source: source, traffic: traffic)
        do {
            try dashboard.onListening(server.port)
        } catch {
            await server.stop()
            throw error
        }
        log("dashboard on http://\(dashboard.endpoint.host):\(server.port)/ (metrics at /metrics)")
        return server
    }
}
