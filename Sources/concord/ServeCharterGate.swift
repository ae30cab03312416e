import ConcordData
import ConcordGovernance
import ConcordNN
import ConcordServer

/// The check `concord serve --charter` makes before it listens: the charter is in force (every party signed
/// it) and permits the run the configuration and flags describe, or the coordinator refuses to start,
/// naming the charter clause the run breaks.
enum ServeCharterGate {
    /// Loads the charter at `path` and checks the run against it.
    ///
    /// - Throws: ``GovernanceFailure`` naming the unsigned parties or the clause the run breaks.
    static func check(
        charterPath path: String, config: FederationConfig, noiseMultiplier: Double?, delta: Double,
        epsilonBudget: Double?, secureAggregation: Bool
    ) throws {
        let charter = try GovernanceFiles.charterInForce(path)
        // The layout depends only on the model and the evaluation data's shape, not on the weights' seed.
        let test = try DatasetSource(argument: config.evaluation).loadTest()
        let network = try ModelZoo.make(
            config.model, inputShape: test.exampleShape, classes: test.classCount, seed: config.seed ?? 1)
        let request = RunRequest(
            model: config.model, layout: network.layout, strategy: config.strategy, rounds: config.rounds,
            noiseMultiplier: noiseMultiplier, delta: delta, epsilonBudget: epsilonBudget,
            secureAggregation: secureAggregation)
        do {
            try charter.check(request)
        } catch {
            throw GovernanceFailure("the charter '\(path)' does not permit this run: \(error)")
        }
    }
}
