import ConcordFederation
import ConcordServer

extension SimulateCommand {
    /// Serves the dashboard of this simulation, when `--dashboard` asks for it, fed by the coordinator's events.
    func startDashboard(
        simulation: Simulation, participants: Int, strategy: String
    ) async throws
        -> DashboardServer?
    {
        guard let request = try dashboard.request() else { return nil }
        let settings = """
            simulate: \(strategy), \(model), \(participants) participants, fraction \(fraction), \
            local epochs \(localEpochs), batch size \(batchSize), lr \(lr), rounds \(rounds), partition \(partition)
            """ + (privacy.enabled ? "\ndifferential privacy: noise multiplier \(privacy.noiseMultiplier ?? 0)" : "")
            + (secureAggregation.enabled ? "\nsecure aggregation: SecAgg+" : "")
        let source = SimulationDashboardSource(
            description: settings, participants: participants, rounds: rounds, epsilonBudget: privacy.epsilonBudget)
        _ = source.follow(await simulation.coordinator.events())
        let server = try await DashboardServer.start(on: request.endpoint, source: source, traffic: nil)
        try request.onListening(server.port)
        printLine("dashboard on http://\(request.endpoint.host):\(server.port)/ (metrics at /metrics)")
        return server
    }
}
