import ConcordTensor

/// Li et al. 2020's Synthetic(α, β) federation (FedProx, §5.1) with each device's training examples
/// generated when asked for, not held: what a simulation of thousands of devices trains from, in memory
/// that does not grow with their examples.
///
/// Construction advances the generator over every device's draws as
/// ``SyntheticFedProx/generate(alpha:beta:devices:seed:)`` makes them, without making the examples, keeping only
/// each device's size and feature mean and the 32-byte state the generator had when the device's draws began;
/// ``device(_:)`` and ``testExamples(devices:)`` replay those draws. A device's
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
            // Only where the next device's draws begin is kept: its examples are made when it trains or is evaluated.
            testCount += SyntheticFedProx.skipDevice(size: sizes[k], generator: &generator)
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
        for k in devices {
            // Only the held-out tenth is made: a device's training examples never exist here.
            var generator = starts[k]
            SyntheticFedProx.testExamples(
                size: sizes[k], modelMean: modelMeans[k], featureMean: featureMeans[k],
                standardDeviations: SyntheticFedProx.standardDeviations, generator: &generator,
                testFeatures: &testFeatures, testLabels: &testLabels)
        }
        return Dataset(
            features: Tensor(shape: [testLabels.count, SyntheticFedProx.featureCount], scalars: testFeatures),
            labels: testLabels, classCount: SyntheticFedProx.classCount)
    }

    /// Device `k`'s training examples, generated now (the eager generator's `clients[k]`).
    /// - Precondition: `k` is in `0..<deviceCount` (like an array subscript).
    public func device(_ k: Int) -> Dataset {
        precondition(k >= 0 && k < starts.count, "device \(k) outside 0..<\(starts.count)")
        var generator = starts[k]
        var testFeatures: [Float] = [], testLabels: [Int32] = []
        return SyntheticFedProx.device(
            size: sizes[k], modelMean: modelMeans[k], featureMean: featureMeans[k],
            standardDeviations: SyntheticFedProx.standardDeviations, generator: &generator,
            testFeatures: &testFeatures, testLabels: &testLabels)
    }
}
