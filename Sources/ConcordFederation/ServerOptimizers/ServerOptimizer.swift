/// The coordinator's step from the current global parameters x towards the participants' aggregate:
/// Reddi et al. 2021 ("Adaptive Federated Optimization") treat Δ = aggregate − x as a pseudo-gradient
/// and apply a server optimiser to it. Plain averaging takes the whole step; FedAvgM adds momentum;
/// FedAdam, FedYogi and FedAdagrad adapt the step per coordinate.
///
/// An optimiser is a value: its moments are stored properties, checkpointed with the strategy.
public protocol ServerOptimizer: Sendable, Codable {
    /// A short name for reports ("fedadam(η=0.01)").
    var name: String { get }

    /// The next global parameters, given the current ones and the aggregate of the participants'.
    ///
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` when the lengths differ from the state's.
    mutating func step(current: [Float], aggregate: [Float]) throws -> [Float]
}

extension ServerOptimizer {
    /// Checks that the state `state` (empty before the first round) fits a model of `count` scalars.
    func checkState(_ state: [Float], count: Int, aggregate: Int) throws {
        guard aggregate == count, state.isEmpty || state.count == count else {
            throw FederationError.invalidConfiguration(
                "\(name): the aggregate has \(aggregate) values and the optimiser's state \(state.count), "
                    + "for a model of \(count) parameters")
        }
    }
}
