import ArgumentParser
import ConcordData
import ConcordNN
import ConcordTensor
import Foundation

/// `concord train`: central training, the baseline every federated run is compared with.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model centrally on one dataset (the baseline for federated runs).",
        discussion: """
            Prints each epoch's training loss and test accuracy. Example:
              concord train --dataset mnist --model mlp --epochs 1 --batch-size 10 --lr 0.1 --seed 1
            """
    )

    @OptionGroup var data: DataOptions

    @Option(help: "Model from the zoo: \(ModelZoo.names.joined(separator: ", ")).")
    var model = "mlp"

    @Option(help: "Passes over the training set.")
    var epochs = 1

    @Option(help: "Examples per training step.")
    var batchSize = 10

    @Option(help: "Learning rate.")
    var lr: Float = 0.1

    @Option(help: "Optimiser: sgd or adam.")
    var optimizer = "sgd"

    @Option(help: "SGD momentum (0 for plain SGD).")
    var momentum: Float = 0

    @Option(help: "L2 weight decay.")
    var weightDecay: Float = 0

    @Option(help: "Seed for initialisation and shuffling: the same seed gives the same run.")
    var seed: UInt64 = 1

    @Option(help: "BLAS threads per matrix multiply.")
    var threads = 1

    @Option(help: "Write a JSON report of the run to this file.")
    var report: String?

    @Option(help: "Save the trained weights to this safetensors file.")
    var save: String?

    func validate() throws {
        guard ModelZoo.isKnown(model) else {
            throw ValidationError("unknown model '\(model)'; choose one of \(ModelZoo.names.joined(separator: ", "))")
        }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number") }
        guard ["sgd", "adam"].contains(optimizer) else { throw ValidationError("--optimizer must be sgd or adam") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256") }
    }

    func run() throws {
        let started = Date()
        GEMM.setThreads(threads)
        let split = try data.load()
        let network = try ModelZoo.make(
            model, inputShape: split.train.exampleShape, classes: split.train.classCount, seed: seed)
        let opt: any Optimizer =
            optimizer == "adam"
            ? Adam(learningRate: lr, weightDecay: weightDecay)
            : SGD(learningRate: lr, momentum: momentum, weightDecay: weightDecay)
        print(
            "concord train: \(model) (\(network.parameterCount) parameters) on \(data.name), "
                + "\(split.train.count) training / \(split.test.count) test examples; BLAS: \(GEMM.kernel.name)")
        var generator = SeededGenerator(seed: seed).derived(1)
        let display = ProgressDisplay()
        var records: [TrainReport.Epoch] = []
        for epoch in 1...epochs {
            let epochStart = Date()
            let label = "epoch \(epoch)/\(epochs)"
            var runningLoss: Float = 0
            let loss = try network.trainEpoch(
                features: split.train.features, labels: split.train.labels, batchSize: batchSize,
                optimizer: opt, generator: &generator,
                progress: { step, steps, batchLoss in
                    runningLoss = step == 1 ? batchLoss : 0.98 * runningLoss + 0.02 * batchLoss
                    display.update(
                        label: label, done: step, total: steps,
                        status: String(format: "loss %.4f  %.0fs", runningLoss, Date().timeIntervalSince(epochStart)))
                })
            let evaluation = try network.evaluate(features: split.test.features, labels: split.test.labels)
            let seconds = Date().timeIntervalSince(epochStart)
            records.append(
                .init(
                    epoch: epoch, loss: loss, testAccuracy: evaluation.accuracy,
                    testLoss: evaluation.loss, seconds: seconds))
            display.finish(
                String(
                    format: "%@: loss %.4f, test accuracy %.2f%%, %.1fs",
                    label, loss, evaluation.accuracy * 100, seconds))
        }
        if let save {
            try Safetensors.write(
                network.stateDictionary(), metadata: ["model": model, "format": "concord-nhwc"],
                to: URL(fileURLWithPath: save))
            print("saved weights to \(save)")
        }
        let result = TrainReport(
            dataset: data.name, model: model, batchSize: batchSize, learningRate: lr, seed: seed,
            blasKernel: GEMM.kernel.name, parameters: network.parameterCount, epochs: records,
            finalTestAccuracy: records.last?.testAccuracy ?? 0, wallSeconds: Date().timeIntervalSince(started))
        if let report {
            try result.write(to: report)
            print("wrote report to \(report)")
        }
    }
}
