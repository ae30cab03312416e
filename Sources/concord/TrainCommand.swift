import ArgumentParser

/// `concord train`: central training, the baseline every federated run is compared with.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Train a model centrally.")
}
