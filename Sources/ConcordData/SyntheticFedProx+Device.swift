import ConcordTensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The steps of Li et al. 2020's Synthetic(α, β) generator (FedProx, §5.1), shared by the eager
/// ``SyntheticFedProx/generate(alpha:beta:devices:seed:)`` and the lazy ``SyntheticFedProxDevices``:
/// one code path, so that both draw the same numbers in the same order.
extension SyntheticFedProx {
    /// Steps 1–3: every device's size, model mean u_k and feature mean v_k, in the reference's order.
    package static func deviceParameters(
        alpha: Double, beta: Double, devices deviceCount: Int, generator: inout SeededGenerator
    ) -> (sizes: [Int], modelMeans: [Double], featureMeans: [[Double]]) {
        let d = featureCount
        // 1. Sizes, 2. model means (mean_b = mean_W), feature-mean means, 3. feature means.
        let sizes = deviceSizes(deviceCount, using: &generator)
        let modelMeans = (0..<deviceCount).map { _ in alpha * generator.nextGaussian() }
        let featureMeanMeans = (0..<deviceCount).map { _ in beta * generator.nextGaussian() }
        let featureMeans = featureMeanMeans.map { center in
            (0..<d).map { _ in center + generator.nextGaussian() }
        }
        return (sizes, modelMeans, featureMeans)
    }

    /// The standard deviation of each feature, √(j^−1.2) for j = 1…60.
    package static let standardDeviations = (1...featureCount).map { pow(Double($0), -0.6) }

    /// Steps 4 and 5 for one device: its model W_k, b_k, its `size` examples and labels, the shuffle and
    /// the 90/10 split. Returns the training examples and appends the test examples to `testFeatures` and
    /// `testLabels`; `generator` is left where the next device's draws begin.
    package static func device(
        size: Int, modelMean: Double, featureMean: [Double], standardDeviations: [Double],
        generator: inout SeededGenerator, testFeatures: inout [Float], testLabels: inout [Int32]
    ) -> Dataset {
        let d = featureCount, classes = classCount
        // 4. The device's model and examples.
        let (weights, biases) = deviceModel(modelMean: modelMean, generator: &generator)
        let n = size
        var features = [Float](repeating: 0, count: n * d)
        var labels = [Int32](repeating: 0, count: n)
        features.withUnsafeMutableBufferPointer { rows in
            drawExamples(
                n, featureMean: featureMean, standardDeviations: standardDeviations, weights: weights,
                biases: biases, generator: &generator
            ) { example, x, label in
                // n ≥ 50: the buffer is not empty.
                guard let row = rows.baseAddress.map({ $0 + example * d }) else { return }
                for j in 0..<d { row[j] = Float(x[j]) }
                labels[example] = label()
            }
        }

        // 5. Shuffle, then the first ⌊0.9 n⌋ to training and the rest to the test set.
        var order = Array(0..<n)
        RandomDistributions.shuffle(&order, using: &generator)
        let trainCount = Int(trainFraction * Double(n))
        var trainFeatures = [Float](repeating: 0, count: trainCount * d)
        let testStart = testLabels.count
        testFeatures.append(contentsOf: repeatElement(0, count: (n - trainCount) * d))
        features.withUnsafeBufferPointer { source in
            trainFeatures.withUnsafeMutableBufferPointer { train in
                testFeatures.withUnsafeMutableBufferPointer { test in
                    // Each device keeps ≥ 45 examples for training and ≥ 5 for testing.
                    guard let source = source.baseAddress, let train = train.baseAddress,
                        let test = test.baseAddress
                    else { return }
                    for (position, example) in order.enumerated() {
                        let from = source + example * d
                        let to =
                            position < trainCount
                            ? train + position * d
                            : test + (testStart + position - trainCount) * d
                        to.update(from: from, count: d)
                    }
                }
            }
        }
        let trainLabels = order[..<trainCount].map { labels[$0] }
        testLabels.append(contentsOf: order[trainCount...].map { labels[$0] })
        return Dataset(
            features: Tensor(shape: [trainCount, d], scalars: trainFeatures),
            labels: trainLabels, classCount: classes
        )
    }
}

extension SyntheticFedProx {
    /// Step 4's model of one device: W_k (60 × 10, row-major) and b_k with entries ~ N(u_k, 1).
    static func deviceModel(modelMean: Double, generator: inout SeededGenerator) -> (
        weights: [Double], biases: [Double]
    ) {
        let weights = (0..<(featureCount * classCount)).map { _ in modelMean + generator.nextGaussian() }
        let biases = (0..<classCount).map { _ in modelMean + generator.nextGaussian() }
        return (weights, biases)
    }

    /// Step 4's `n` examples in order: draws each example's features x ~ N(v_k, diag(σ²)) and calls `body` with
    /// its index, the features and a function computing its label argmax(W_kᵀx + b_k) (only when asked for, so
    /// that examples nobody keeps cost only their draws).
    static func drawExamples(
        _ n: Int, featureMean mean: [Double], standardDeviations: [Double], weights: [Double], biases: [Double],
        generator: inout SeededGenerator,
        _ body: (_ example: Int, _ x: UnsafeMutablePointer<Double>, _ label: () -> Int32) -> Void
    ) {
        let d = featureCount, classes = classCount
        let x = UnsafeMutablePointer<Double>.allocate(capacity: d)
        let logits = UnsafeMutablePointer<Double>.allocate(capacity: classes)
        defer { x.deallocate(); logits.deallocate() }
        weights.withUnsafeBufferPointer { w in
            for example in 0..<n {
                for j in 0..<d { x[j] = mean[j] + standardDeviations[j] * generator.nextGaussian() }
                body(example, x) {
                    for c in 0..<classes { logits[c] = biases[c] }
                    for j in 0..<d {
                        let xj = x[j]
                        for c in 0..<classes { logits[c] += xj * w[j * classes + c] }
                    }
                    return Int32(argmax(UnsafeBufferPointer(start: logits, count: classes)))
                }
            }
        }
    }

    /// Step 5's held-out tenth of one device, made without its training examples: the shuffle, which follows every
    /// example's draws, is drawn first from a copy of the generator, then the examples are drawn again and only
    /// those that land in the test set are kept (in the order ``device(size:modelMean:featureMean:standardDeviations:generator:testFeatures:testLabels:)``
    /// gives them). Appends them to `testFeatures` and `testLabels` and leaves `generator` where the next device's
    /// draws begin; memory is the test examples' and one index per example.
    package static func testExamples(
        size n: Int, modelMean: Double, featureMean: [Double], standardDeviations: [Double],
        generator: inout SeededGenerator, testFeatures: inout [Float], testLabels: inout [Int32]
    ) {
        let d = featureCount
        // The shuffle, from a copy advanced past the device's draws; `ahead` then stands where the next device begins.
        var ahead = generator
        skipExampleDraws(size: n, generator: &ahead)
        var order = Array(0..<n)
        RandomDistributions.shuffle(&order, using: &ahead)
        let trainCount = Int(trainFraction * Double(n))
        // Where each example lands in the test set, or −1 for a training example.
        var slot = [Int](repeating: -1, count: n)
        for position in trainCount..<n { slot[order[position]] = position - trainCount }
        let (weights, biases) = deviceModel(modelMean: modelMean, generator: &generator)
        let first = testLabels.count
        testFeatures.append(contentsOf: repeatElement(0, count: (n - trainCount) * d))
        testLabels.append(contentsOf: repeatElement(0, count: n - trainCount))
        testFeatures.withUnsafeMutableBufferPointer { test in
            drawExamples(
                n, featureMean: featureMean, standardDeviations: standardDeviations, weights: weights,
                biases: biases, generator: &generator
            ) { example, x, label in
                guard slot[example] >= 0, let base = test.baseAddress else { return }
                let row = base + (first + slot[example]) * d
                for j in 0..<d { row[j] = Float(x[j]) }
                testLabels[first + slot[example]] = label()
            }
        }
        generator = ahead
    }
}

extension SyntheticFedProx {
    /// Advances `generator` past one device's draws (steps 4 and 5) exactly as
    /// ``device(size:modelMean:featureMean:standardDeviations:generator:testFeatures:testLabels:)`` does, without
    /// making its examples. Returns the number of test examples the device has.
    package static func skipDevice(size n: Int, generator: inout SeededGenerator) -> Int {
        skipExampleDraws(size: n, generator: &generator)
        var remaining = n
        while remaining > 1 {
            _ = RandomDistributions.uniformInt(below: remaining, using: &generator)
            remaining -= 1
        }
        return n - Int(trainFraction * Double(n))
    }

    /// Advances `generator` past step 4's draws for a device of `n` examples: two words per Gaussian draw.
    static func skipExampleDraws(size n: Int, generator: inout SeededGenerator) {
        let gaussians = featureCount * classCount + classCount + n * featureCount
        for _ in 0..<(2 * gaussians) { _ = generator.next() }
    }
}
