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
        let weights = (0..<(d * classes)).map { _ in modelMean + generator.nextGaussian() }
        let biases = (0..<classes).map { _ in modelMean + generator.nextGaussian() }
        let n = size, mean = featureMean
        var features = [Float](repeating: 0, count: n * d)
        var labels = [Int32](repeating: 0, count: n)
        features.withUnsafeMutableBufferPointer { featureRows in
            weights.withUnsafeBufferPointer { w in
                // n ≥ 50 and d, classes > 0: no buffer here is empty.
                guard let rows = featureRows.baseAddress, let weightBase = w.baseAddress else { return }
                let x = UnsafeMutablePointer<Double>.allocate(capacity: d)
                let logits = UnsafeMutablePointer<Double>.allocate(capacity: classes)
                defer { x.deallocate(); logits.deallocate() }
                for example in 0..<n {
                    let row = rows + example * d
                    for j in 0..<d {
                        x[j] = mean[j] + standardDeviations[j] * generator.nextGaussian()
                        row[j] = Float(x[j])
                    }
                    for c in 0..<classes { logits[c] = biases[c] }
                    var weightRow = weightBase
                    for j in 0..<d {
                        let xj = x[j]
                        for c in 0..<classes { logits[c] += xj * weightRow[c] }
                        weightRow += classes
                    }
                    labels[example] = Int32(argmax(UnsafeBufferPointer(start: logits, count: classes)))
                }
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
