import ArgumentParser
import ConcordNN
import ConcordPrivacy
import ConcordTensor
import Foundation

/// `concord bench dpsgd`: what record-level privacy costs a training step.
struct BenchDPSGDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpsgd",
        abstract: "Time a plain training step against a DP-SGD step (per-example clipping and noise).",
        discussion: """
            Both steps train the same model on the same in-memory random MNIST-shaped batches, single-threaded. \
            The plain step is forward, softmax cross-entropy, backward and the SGD update fused into it; the DP-SGD \
            step measures every example's gradient norm (without forming a dense layer's), sums the clipped \
            gradients, adds Gaussian noise from the secure generator record-level training uses (AES-CTR keyed by the \
            operating system) to every parameter and \
            steps. Each figure is the median of several timed repetitions after a warm-up; the ratio is DP-SGD's \
            median over the plain one's.
            """
    )

    @Option(help: "Model from the zoo: \(ModelZoo.names.joined(separator: ", ")).")
    var model = "mlp"

    @Option(help: "Examples per step.")
    var batchSize = 64

    @Option(help: "Seconds of timing per figure (split into repetitions; the median is reported).")
    var seconds: Double = 2

    @Option(
        help:
            "Clock for the timings: wall (elapsed time) or cpu (this thread's CPU time, steadier on a shared machine).")
    var clock: Benchmark.Clock = .wall

    @Option(
        help: """
            Gaussian sampler of the DP-SGD step: bulk (Box–Muller over the keystream a buffer at a time, what \
            record-level training uses) or polar (Marsaglia's polar method a word at a time, the federation-level \
            sampler), both keyed by AES-CTR.
            """)
    var sampler: Benchmark.NoiseSampler = .bulk

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    func validate() throws {
        guard seconds > 0 && seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be in 1…4096") }
        guard ModelZoo.isKnown(model) else { throw ValidationError("unknown model '\(model)'") }
    }

    func run() throws {
        GEMM.setThreads(1)
        let figures = try Benchmark.dpsgdStep(
            model: model, batchSize: batchSize, seconds: seconds, clock: clock, sampler: sampler)
        if json {
            print(try figures.jsonString())
            return
        }
        print(
            "BLAS kernel: \(GEMM.kernel.name); \(model), batch \(batchSize), \(clock.rawValue) clock, "
                + "\(sampler.rawValue) sampler")
        print(String(format: "plain step:  %.3f ms (median)", figures.plainMilliseconds))
        print(String(format: "DP-SGD step: %.3f ms (median)", figures.dpsgdMilliseconds))
        print(
            String(
                format: "  of which noise: %.3f ms (median, %d parameters)", figures.noiseMilliseconds,
                figures.parameters))
        print(String(format: "ratio: %.2f× (DP-SGD over plain)", figures.ratio))
    }
}

extension Benchmark {
    /// The Gaussian samplers `concord bench dpsgd` can time.
    enum NoiseSampler: String, ExpressibleByArgument, CaseIterable {
        case bulk, polar

        /// A fresh sampler keyed by AES-CTR under a key from the operating system.
        func make() -> any GradientNoise {
            switch self {
            case .bulk: SecureRecordPrivacyRandomness().makeNoise()
            case .polar: GaussianNoise(source: KeystreamRandom())
            }
        }
    }

    /// The figures of `concord bench dpsgd`.
    struct DPSGDFigures: JSONReport {
        var model: String
        var batchSize: Int
        var parameters: Int
        var plainMilliseconds: Double
        var dpsgdMilliseconds: Double
        var noiseMilliseconds: Double
        var ratio: Double
        var clock: String
        var sampler: String

        enum CodingKeys: String, CodingKey {
            case model, batchSize = "batch_size", parameters, ratio, clock, sampler
            case plainMilliseconds = "plain_ms", dpsgdMilliseconds = "dpsgd_ms", noiseMilliseconds = "noise_ms"
        }
    }

    /// Median milliseconds of a plain SGD step and of a DP-SGD step (C = 1, σ = 1.1, noise from `sampler`) on the
    /// same batches.
    static func dpsgdStep(
        model name: String, batchSize: Int, seconds: Double, clock: Clock, sampler: NoiseSampler = .bulk
    ) throws -> DPSGDFigures {
        let plain = try ModelZoo.make(name, seed: 1)
        let dp = try ModelZoo.make(name, seed: 1)
        var g = SeededGenerator(seed: 2)
        let size = Tensor.elementCount(plain.inputShape)
        let classes = UInt64(plain.outputShape[0])
        let batches = (0..<16).map { _ in
            (
                Tensor(
                    shape: [batchSize] + plain.inputShape,
                    scalars: (0..<(batchSize * size)).map { _ in g.nextUnitFloat() }),
                (0..<batchSize).map { _ in Int32(g.next() % classes) }
            )
        }
        let configuration = DPSGDConfiguration(clipNorm: 1, noiseMultiplier: 1.1, samplingRate: 0.01)
        var noise = sampler.make()
        let plainOptimizer = SGD(learningRate: 0.01), dpOptimizer = SGD(learningRate: 0.01)
        var next = 0
        let plainSeconds = try medianSeconds(totalSeconds: seconds, clock: clock) {
            let (x, y) = batches[next % batches.count]
            next += 1
            try plain.trainStep(inputs: x, labels: y, optimizer: plainOptimizer)
        }
        next = 0
        let dpSeconds = try medianSeconds(totalSeconds: seconds, clock: clock) {
            let (x, y) = batches[next % batches.count]
            next += 1
            try dp.privateStep(
                inputs: x, labels: y, configuration: configuration, expectedBatchSize: Double(batchSize),
                optimizer: dpOptimizer, noise: &noise)
        }
        var buffer = [Float](repeating: 0, count: dp.parameterCount)
        let noiseSeconds = medianSeconds(totalSeconds: seconds / 2, clock: clock) {
            buffer.withUnsafeMutableBufferPointer { noise.add(standardDeviation: 1.1, to: $0) }
        }
        return DPSGDFigures(
            model: name, batchSize: batchSize, parameters: dp.parameterCount, plainMilliseconds: plainSeconds * 1000,
            dpsgdMilliseconds: dpSeconds * 1000, noiseMilliseconds: noiseSeconds * 1000,
            ratio: dpSeconds / plainSeconds, clock: clock.rawValue, sampler: sampler.rawValue)
    }
}
