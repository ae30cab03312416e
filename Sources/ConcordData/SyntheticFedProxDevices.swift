import ConcordTensor

/// Li et al. 2020's Synthetic(α, β) federation (FedProx, §5.1) with each device's training examples
/// generated when asked for, not held: what a simulation of thousands of devices trains from, in memory
/// that does not grow with their examples.
///
/// Construction runs the generator once over every device, as ``SyntheticFedProx/generate(alpha:beta:devices:seed:)``
/// does, keeping only each device's size and feature mean and the 32-byte state the generator had when the
/// device's draws began; ``device(_:)`` and ``testExamples(devices:)`` replay those draws. A device's
/// examples, and the pooled test set (``heldOut``), are therefore the eager generator's, bit for bit, for the
/// same arguments.
public struct SyntheticFedProxDevices: Sendable {
    /// The number of held-out examples of all devices.
    public let testCount: Int
    /// `synthetic(α,β)`.
    public let name: String
    private let sizes: [Int]
    private let modelMeans: [Double]
    private let featureMeans: [[Double]]
    private let starts: [SeededGenerator]

    /// Generates Synthetic(`alpha`, `beta`) for `devices` devices from `seed`, keeping the test set and
    /// what replays each device (see ``SyntheticFedProx/generate(alpha:beta:devices:seed:)`` for the model).
    public init(alpha: Double, beta: Double, devices: Int = 30, seed: UInt64) {
        let deviceCount = max(devices, 0)
        var generator = SeededGenerator(seed: seed)
        let (sizes, modelMeans, featureMeans) = SyntheticFedProx.deviceParameters(
            alpha: alpha, beta: beta, devices: deviceCount, generator: &generator)
        var starts: [SeededGenerator] = []
        starts.reserveCapacity(deviceCount)
        var testCount = 0
        for k in 0..<deviceCount {
            starts.append(generator)
            // Only where the next device's draws begin is kept; the test examples are made again when evaluated.
            var testFeatures: [Float] = [], testLabels: [Int32] = []
            _ = SyntheticFedProx.device(
                size: sizes[k], modelMean: modelMeans[k], featureMean: featureMeans[k],
                standardDeviations: SyntheticFedProx.standardDeviations, generator: &generator,
                testFeatures: &testFeatures, testLabels: &testLabels)
            testCount += testLabels.count
        }
        self.sizes = sizes
        self.modelMeans = modelMeans
        self.featureMeans = featureMeans
        self.starts = starts
        self.testCount = testCount
        name = SyntheticFedProx.name(alpha: alpha, beta: beta)
    }

    /// The number of devices.
    public var deviceCount: Int { starts.count }

    /// The pooled test set (every device's held-out tenth, in device order), generated piece by piece when
    /// evaluated; gathered, it is the eager generator's `test`.
    public var heldOut: SyntheticFedProxHeldOut { SyntheticFedProxHeldOut(devices: self) }

    /// The held-out examples of `devices`, in device order, generated now.
    /// - Precondition: `devices` lies in `0..<deviceCount`.
    public func testExamples(devices: Range<Int>) -> Dataset {
        precondition(
            devices.lowerBound >= 0 && devices.upperBound <= starts.count,
            "devices \(devices) outside 0..<\(starts.count)")
        var testFeatures: [Float] = [], testLabels: [Int32] = []
        for k in devices { _ = replay(k, testFeatures: &testFeatures, testLabels: &testLabels) }
        return Dataset(
            features: Tensor(shape: [testLabels.count, SyntheticFedProx.featureCount], scalars: testFeatures),
            labels: testLabels, classCount: SyntheticFedProx.classCount)
    }

    /// Device `k`'s training examples, generated now (the eager generator's `clients[k]`).
    /// - Precondition: `k` is in `0..<deviceCount` (like an array subscript).
    public func device(_ k: Int) -> Dataset {
        precondition(k >= 0 && k < starts.count, "device \(k) outside 0..<\(starts.count)")
        var testFeatures: [Float] = [], testLabels: [Int32] = []
        return replay(k, testFeatures: &testFeatures, testLabels: &testLabels)
    }

    /// Replays device `k`'s draws from where they began: returns its training examples and appends its test
    /// examples to `testFeatures` and `testLabels`.
    private func replay(_ k: Int, testFeatures: inout [Float], testLabels: inout [Int32]) -> Dataset {
        var generator = starts[k]
        return SyntheticFedProx.device(
            size: sizes[k], modelMean: modelMeans[k], featureMean: featureMeans[k],
            standardDeviations: SyntheticFedProx.standardDeviations, generator: &generator,
            testFeatures: &testFeatures, testLabels: &testLabels)
    }
}
