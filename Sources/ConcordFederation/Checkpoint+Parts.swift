import Foundation

extension Checkpoint {
    /// Reassembles a checkpoint from the parts a store kept (its strategy already encoded), for ConcordStore.
    package init(parameters: Parameters, strategyType: String, strategyState: Data, history: [RoundRecord]) {
        self.parameters = parameters
        self.strategyType = strategyType
        self.strategyState = strategyState
        self.history = history
    }
}
