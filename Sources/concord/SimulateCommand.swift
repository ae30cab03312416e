import ArgumentParser
import ConcordData
import ConcordFederation
import ConcordNN
import ConcordTensor
import Foundation

/// `concord simulate`: a federation of virtual participants in one process, running FedAvg.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a federation: N participants, each with its own slice of the data, training with FedAvg.",
        discussion: """
            Reproduces the FedAvg paper's experiments (McMahan et al. 2017). For example, the 2NN on IID MNIST:
              concord simulate --model mlp --clients 100 --fraction 0.1 --local-epochs 1 --batch-size 10 \\
                --lr 0.1 --rounds 100 --partition iid --target-accuracy 0.97
            Partitions: iid; shards (2 label-sorted shards per participant, the paper's pathological non-IID) or \
            shards:K; dirichlet:ALPHA (Hsu et al. 2019). --dataset synthetic:ALPHA,BETA generates the FedProx \
            paper's 30 naturally partitioned devices instead (--clients and --partition do not apply).
            """
    )

    @OptionGroup var data: DataOptions

    @Option(help: "Model from the zoo: \(ModelZoo.names.joined(separator: ", ")).")
    var model = "mlp"

    @Option(help: "Number of participants K (default 100; 30 devices for synthetic data, as in the FedProx paper).")
    var clients: Int?

    @Option(help: "Fraction C of participants sampled each round (at least one is).")
    var fraction = 0.1

    @Option(help: "Local epochs E per round.")
    var localEpochs = 1

    @Option(help: "Local batch size B (0 = the whole local dataset, the paper's B = ∞).")
    var batchSize = 10

    @Option(help: "Local learning rate.")
    var lr: Float = 0.1

    @Option(help: "Rounds to run at most.")
    var rounds = 20

    @Option(help: "How the data are split: iid, shards, shards:K or dirichlet:ALPHA.")
    var partition = "iid"

    @Option(help: "Seed: the same seed gives bit-identical parameters, whatever the number of cores.")
    var seed: UInt64 = 1

    @Option(help: "Stop at the first evaluated round whose test accuracy reaches this fraction (e.g. 0.97).")
    var targetAccuracy: Double?

    @Option(help: "Evaluate on the test set every this many rounds (the last round always is).")
    var evalEvery = 1

    @Option(help: "Participants training at once (default: one per core).")
    var concurrency = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Write a JSON report of the run to this file.")
    var report: String?

    func validate() throws {
        guard ModelZoo.names.contains(model) else {
            throw ValidationError("unknown model '\(model)'; choose one of \(ModelZoo.names.joined(separator: ", "))")
        }
        if let clients, clients < 1 { throw ValidationError("--clients must be at least 1") }
        guard fraction > 0, fraction <= 1 else { throw ValidationError("--fraction must be in (0, 1]") }
        guard localEpochs >= 1 else { throw ValidationError("--local-epochs must be at least 1") }
        guard batchSize >= 0 else { throw ValidationError("--batch-size must be ≥ 0 (0 = whole local dataset)") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard evalEvery >= 1 else { throw ValidationError("--eval-every must be at least 1") }
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 256") }
        if let targetAccuracy, !(targetAccuracy > 0 && targetAccuracy <= 1) {
            throw ValidationError("--target-accuracy must be in (0, 1]")
        }
    }

    func run() async throws {
        let started = Date()
        GEMM.setThreads(1)
        let federation = try FederationInput.load(data: data, clients: clients, partition: partition, seed: seed)
        let settings = SimulationSettings(
            model: model, fraction: fraction, localEpochs: localEpochs, batchSize: batchSize, learningRate: lr,
            evalEvery: evalEvery, seed: seed, concurrency: concurrency)
        let simulation = try Simulation(settings: settings, data: federation.participants, test: federation.test)
        print(
            "concord simulate: FedAvg, \(model) on \(federation.name), \(federation.participants.participantCount) "
                + "participants (\(federation.partitionName)), C=\(fraction), E=\(localEpochs), B=\(batchSize == 0 ? "∞" : "\(batchSize)"), "
                + "lr=\(lr), \(concurrency) concurrent; BLAS: \(GEMM.kernel.name)")

        let display = ProgressDisplay(plainUpdates: false)
        let events = await simulation.coordinator.events()
        let progress = Task { [rounds] in
            var best = 0.0
            for await event in events {
                switch event {
                case .participantFinished(let round, _, _, let done, let total):
                    display.update(
                        label: "round \(round)/\(rounds)", done: done, total: total,
                        status: String(format: "best %.2f%%  %.0fs", best * 100, Date().timeIntervalSince(started)))
                case .roundFinished(let record):
                    var line =
                        "round \(record.round)/\(rounds): \(record.succeeded)/\(record.sampled.count) participants"
                    if let evaluation = record.evaluation {
                        best = max(best, evaluation.accuracy)
                        line += String(
                            format: ", test accuracy %.2f%%, loss %.4f", evaluation.accuracy * 100, evaluation.loss)
                    }
                    let elapsed = Date().timeIntervalSince(started)
                    let remaining = elapsed / Double(record.round) * Double(rounds - record.round)
                    line += String(format: ", %.1fs elapsed, ≤%.0fs to go", elapsed, remaining)
                    if !record.failures.isEmpty { line += ", \(record.failures.count) failed" }
                    if let error = record.error { line += "; \(error)" }
                    display.finish(line)
                case .runFinished:
                    return
                case .roundStarted:
                    break
                }
            }
        }
        let records = await simulation.run(rounds: rounds, targetAccuracy: targetAccuracy)
        await progress.value

        let summary = SimulationReport(
            settings: settings, command: self, federation: federation, records: records,
            wallSeconds: Date().timeIntervalSince(started))
        print(summary.summaryLine)
        if let report {
            try summary.write(to: report)
            print("wrote report to \(report)")
        }
    }
}
