import ArgumentParser
import ConcordNN
import ConcordTensor
import Foundation

/// `concord bench`: the engine's figures by default, or one of the other benchmarks.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Measure this machine: the training engine (default), secure aggregation (bench secagg) or DP-SGD (bench dpsgd).",
        subcommands: [BenchEngineCommand.self, BenchSecureAggregationCommand.self, BenchDPSGDCommand.self],
        defaultSubcommand: BenchEngineCommand.self
    )
}

/// `concord bench [engine]`: single-threaded GEMM and training throughput on this machine.
struct BenchEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Measure single-threaded GEMM GFLOP/s and training throughput (examples per second).",
        discussion: """
            GEMM is timed at 512×512×512 and 2000×784×200 (m×k×n). Training throughput is whole \
            training steps (forward, softmax cross-entropy, backward, SGD update) on in-memory random \
            batches, data loading excluded: mlp at batch 10 and 64, cnn at batch 50. Each figure is \
            the median of several timed repetitions after a warm-up. Aggregation (case aggregate) is one \
            round's aggregate of 30 mlp updates (199,210 parameters each) by each strategy, in milliseconds; \
            the mean (FedAvg) is the reference the robust statistics and DP-FedAvg are compared with.
            """
    )

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Seconds of timing per figure (split into repetitions; the median is reported).")
    var seconds: Double = 2

    @Option(help: "Comma-separated subset of figures: gemm, mlp_b10, mlp_b64, cnn_b50, aggregate.")
    var cases: String = "gemm,mlp_b10,mlp_b64,cnn_b50,aggregate"

    @Option(
        help:
            "Clock for the timings: wall (elapsed time) or cpu (this thread's CPU time, steadier on a shared machine).")
    var clock: Benchmark.Clock = .wall

    func validate() throws {
        guard seconds > 0 && seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
    }

    func run() throws {
        GEMM.setThreads(1)
        let wanted = Set(cases.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        let known: Set<String> = ["gemm", "mlp_b10", "mlp_b64", "cnn_b50", "aggregate"]
        if let unknown = wanted.subtracting(known).sorted().first {
            throw ValidationError("unknown case '\(unknown)'; known: \(known.sorted().joined(separator: ", "))")
        }
        var gemm: [String: Double] = [:]
        if wanted.contains("gemm") {
            for (m, k, n) in [(512, 512, 512), (2000, 784, 200)] {
                gemm["\(m)x\(k)x\(n)"] = Benchmark.gemmGFLOPS(m: m, k: k, n: n, seconds: seconds, clock: clock)
            }
        }
        var train: [String: Double] = [:]
        for (key, model, batch) in [("mlp_b10", "mlp", 10), ("mlp_b64", "mlp", 64), ("cnn_b50", "cnn", 50)]
        where wanted.contains(key) {
            train[key] = try Benchmark.trainingThroughput(
                model: model, batchSize: batch, seconds: seconds, clock: clock)
        }
        let aggregate =
            wanted.contains("aggregate") ? try Benchmark.aggregationMilliseconds(seconds: seconds, clock: clock) : [:]
        let report = BenchReport(
            blasKernel: GEMM.kernel.name, blasNote: GEMM.selectionNote,
            gemmGFLOPS: gemm, trainExamplesPerSecond: train, aggregateMilliseconds: aggregate, clock: clock.rawValue)
        if json {
            print(try report.jsonString())
        } else {
            print("BLAS kernel: \(report.blasKernel) (\(report.blasNote))")
            for (shape, value) in gemm.sorted(by: { $0.key < $1.key }) {
                print("GEMM \(shape): \(String(format: "%.1f", value)) GFLOP/s")
            }
            for (key, value) in train.sorted(by: { $0.key < $1.key }) {
                print("train \(key): \(String(format: "%.0f", value)) examples/s")
            }
            let mean = aggregate["mean"] ?? .nan
            for (key, value) in aggregate.sorted(by: { $0.value < $1.value }) {
                print(
                    "aggregate \(key): \(String(format: "%.2f", value)) ms (\(String(format: "%.1f", value / mean))× the mean)"
                )
            }
        }
    }
}

/// What `concord bench --json` prints.
struct BenchReport: JSONReport {
    var blasKernel: String
    var blasNote: String
    var gemmGFLOPS: [String: Double]
    var trainExamplesPerSecond: [String: Double]
    var aggregateMilliseconds: [String: Double]
    var clock: String

    enum CodingKeys: String, CodingKey {
        case blasKernel = "blas_kernel", blasNote = "blas_note"
        case gemmGFLOPS = "gemm_gflops", trainExamplesPerSecond = "train_examples_per_second"
        case aggregateMilliseconds = "aggregate_milliseconds", clock
    }
}
extension Benchmark.Clock: ExpressibleByArgument {}
