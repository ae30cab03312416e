import ConcordTensor
import Testing

@testable import ConcordNN

/// Noise of nothing: DP-SGD reduced to clipping.
struct NoNoise: GradientNoise {
    mutating func add(standardDeviation: Double, to values: UnsafeMutableBufferPointer<Float>) {}
}

/// Seeded Gaussian noise for tests (Box–Muller on a SeededGenerator); never for privacy.
struct SeededTestNoise: GradientNoise {
    var generator: SeededGenerator
    mutating func add(standardDeviation: Double, to values: UnsafeMutableBufferPointer<Float>) {
        for i in values.indices { values[i] += Float(standardDeviation * generator.nextGaussian()) }
    }
}

@Suite("DP-SGD: per-example clipping, noise, Poisson epochs")
struct DPSGDTests {
    static func batch(_ model: Sequential, count: Int, seed: UInt64) -> (Tensor, [Int32]) {
        var g = SeededGenerator(seed: seed)
        let size = Tensor.elementCount(model.inputShape)
        let x = Tensor(
            shape: [count] + model.inputShape, scalars: (0..<(count * size)).map { _ in g.nextUnitFloat() })
        let classes = model.outputShape[0]
        return (x, (0..<count).map { _ in Int32(g.next() % UInt64(classes)) })
    }

    static func gradients(_ model: Sequential) -> [Double] {
        var all: [Double] = []
        model.forEachParameter { _, _, gradient in all += gradient.scalars.map(Double.init) }
        return all
    }

    /// Example i's own gradient, the naive way: a batch of one, forward and backward.
    static func naiveGradient(_ model: Sequential, _ x: Tensor, _ labels: [Int32], _ i: Int) throws -> [Double] {
        let logits = try model.forward(x.examples(i..<(i + 1)), training: true)
        let (_, g) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: [labels[i]])
        model.backward(g)
        return gradients(model)
    }

    static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    @Test(arguments: ["mlp", "cnn"])
    func perExampleNormsAndClippedSumMatchANaiveLoop(name: String) throws {
        let model = try ModelZoo.make(name, seed: 3)
        let (x, labels) = Self.batch(model, count: 6, seed: 4)
        var naive: [[Double]] = []
        for i in 0..<labels.count { naive.append(try Self.naiveGradient(model, x, labels, i)) }
        let norms = naive.map(Self.norm)
        // A clip norm between the norms, so some examples are clipped and some are not.
        let sorted = norms.sorted()
        let clipNorm = (sorted[norms.count / 2 - 1] + sorted[norms.count / 2]) / 2
        var expected = [Double](repeating: 0, count: model.parameterCount)
        for (g, n) in zip(naive, norms) {
            let c = min(1, clipNorm / n)
            for j in expected.indices { expected[j] += c * g[j] }
        }
        let result = try model.clippedGradientSum(inputs: x, labels: labels, clipNorm: clipNorm)
        for (fast, slow) in zip(result.norms, norms) {
            #expect(abs(fast - slow) <= 1e-4 * slow, "norm \(fast) vs naive \(slow)")
        }
        #expect(result.clipped == norms.filter { $0 > clipNorm }.count)
        #expect(result.clipped > 0 && result.clipped < labels.count)
        let error = GradientCheck.relativeError(Self.gradients(model), expected)
        #expect(error <= 1e-4, "clipped sum relative error \(error)")
    }

    /// A small dense and convolutional model whose every per-example gradient is checked against central
    /// finite differences of that example's loss (Float arithmetic: 1e-3, as the layer gradient checks). No
    /// pooling: a ±h step could move a window's maximum and the difference would not be the derivative.
    @Test func perExampleNormsMatchFiniteDifferences() throws {
        var g = SeededGenerator(seed: 11)
        let model = try Sequential(
            inputShape: [6, 6, 1],
            layers: [
                Conv2D(name: "conv", inChannels: 1, outChannels: 2, kernelSize: 3, padding: .same, generator: &g),
                Flatten(),
                Dense(name: "fc1", inputSize: 72, outputSize: 5, generator: &g),
                Dense(name: "fc2", inputSize: 5, outputSize: 3, generator: &g),
            ])
        let x = GradientCheck.distinctInput([3, 6, 6, 1], seed: 12)
        let labels: [Int32] = [0, 2, 1]
        let result = try model.clippedGradientSum(inputs: x, labels: labels, clipNorm: 1e9)
        let h: Float = 1e-2
        for i in 0..<labels.count {
            let example = x.examples(i..<(i + 1))
            func loss() throws -> Double {
                let logits = try model.forward(example)
                return SoftmaxCrossEntropy.lossAndCorrect(logits: logits, labels: [labels[i]]).lossSum
            }
            var numeric: [Double] = []
            let tensors = model.layout.entries.count
            for t in 0..<tensors {
                var size = 0
                model.forEachParameter { position, parameter, _ in if position == t { size = parameter.count } }
                for j in 0..<size {
                    func perturb(_ delta: Float) {
                        model.forEachParameter { position, parameter, _ in
                            if position == t { parameter.scalars[j] += delta }
                        }
                    }
                    perturb(h)
                    let plus = try loss()
                    perturb(-2 * h)
                    let minus = try loss()
                    perturb(h)
                    numeric.append((plus - minus) / Double(2 * h))
                }
            }
            let reference = Self.norm(numeric)
            #expect(abs(result.norms[i] - reference) <= 1e-3 * reference, "example \(i)")
        }
    }

    @Test(arguments: ["mlp", "cnn"])
    func withAHugeClipNormAndNoNoiseTheStepIsTheOrdinaryStep(name: String) throws {
        let plain = try ModelZoo.make(name, seed: 5)
        let dp = try ModelZoo.make(name, seed: 5)
        let (x, labels) = Self.batch(plain, count: 8, seed: 6)
        try plain.trainStep(inputs: x, labels: labels, optimizer: SGD(learningRate: 0.1))
        var noise = NoNoise()
        let step = try dp.privateStep(
            inputs: x, labels: labels,
            configuration: DPSGDConfiguration(clipNorm: 1e9, noiseMultiplier: 0, samplingRate: 0.5),
            expectedBatchSize: 8, optimizer: SGD(learningRate: 0.1), noise: &noise)
        #expect(step.clipped == 0 && step.examples == 8)
        let a = plain.flatParameters(), b = dp.flatParameters()
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6, "largest difference \(worst)")
    }

    @Test func anEmptyBatchStepsOnNoiseOfStandardDeviationSigmaCOverTheExpectedBatch() throws {
        let model = try ModelZoo.make("mlp", seed: 7)
        let before = model.flatParameters()
        var noise = SeededTestNoise(generator: SeededGenerator(seed: 8))
        // σ = 2, C = 1.5, expected batch 3, η = 1: each coordinate moves by N(0, (2·1.5/3)²) = N(0, 1).
        try model.privateStep(
            inputs: Tensor.zeros([0, 28, 28, 1]), labels: [],
            configuration: DPSGDConfiguration(clipNorm: 1.5, noiseMultiplier: 2, samplingRate: 0.1),
            expectedBatchSize: 3, optimizer: SGD(learningRate: 1), noise: &noise)
        let moves = zip(model.flatParameters(), before).map { Double($0 - $1) }
        let mean = moves.reduce(0, +) / Double(moves.count)
        let variance = moves.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(moves.count)
        #expect(abs(mean) < 0.02)
        #expect(abs(variance.squareRoot() - 1) < 0.02)
    }

    @Test func anEpochTakesRoundOneOverQPoissonSteps() throws {
        let model = try ModelZoo.make("logreg", seed: 9)
        let (x, labels) = Self.batch(model, count: 400, seed: 10)
        var sampler = SeededGenerator(seed: 11)
        var noise = SeededTestNoise(generator: SeededGenerator(seed: 12))
        let configuration = DPSGDConfiguration(clipNorm: 1, noiseMultiplier: 1, samplingRate: 0.03)
        let rows = Array(stride(from: 0, to: 400, by: 2))
        let epoch = try model.trainEpochDPSGD(
            features: x, labels: labels, rows: rows, configuration: configuration,
            optimizer: SGD(learningRate: 0.1), sampler: &sampler, noise: &noise)
        #expect(configuration.stepsPerEpoch == 33)
        #expect(epoch.steps == 33)
        // 33 steps × 200 records × q = 198 expected samples; binomial standard deviation ≈ 13.9.
        #expect(abs(Double(epoch.examples) - 198) < 5 * 13.9)
        #expect(epoch.loss.isFinite && epoch.loss > 0)
    }

    @Test func badSettingsAreTypedErrors() throws {
        let model = try ModelZoo.make("logreg", seed: 1)
        var noise = NoNoise()
        for bad in [
            DPSGDConfiguration(clipNorm: 0, noiseMultiplier: 1, samplingRate: 0.1),
            DPSGDConfiguration(clipNorm: 1, noiseMultiplier: -1, samplingRate: 0.1),
            DPSGDConfiguration(clipNorm: 1, noiseMultiplier: 1, samplingRate: 0),
            DPSGDConfiguration(clipNorm: 1, noiseMultiplier: .nan, samplingRate: 1.5),
        ] {
            #expect(throws: DPSGDError.self) {
                try model.privateStep(
                    inputs: Tensor.zeros([0, 28, 28, 1]), labels: [], configuration: bad, expectedBatchSize: 1,
                    optimizer: SGD(learningRate: 1), noise: &noise)
            }
        }
    }
}
