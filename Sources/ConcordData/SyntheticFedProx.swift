import ConcordTensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The synthetic federated dataset Synthetic(α, β) of Li et al. 2020, "Federated Optimization in
/// Heterogeneous Networks" (FedProx), §5.1, after Shamir, Srebro and Zhang 2014: each device has its
/// own softmax-regression model and its own feature distribution; α sets how much the models differ
/// and β how much the feature distributions differ.
public enum SyntheticFedProx {
    /// The number of features of every example (feature shape `[60]`).
    public static let featureCount = 60
    /// The number of classes.
    public static let classCount = 10
    /// The fraction of each device's examples kept for training, the rest going to the test set:
    /// 0.9, as in the reference script (`train_len = int(0.9 * num_samples)`).
    public static let trainFraction = 0.9
    /// The most examples one device is given. The reference's sizes are `lognormal(4, 2) + 50`,
    /// unbounded; a device exceeds 2²⁰ examples with probability about 4·10⁻⁷, and this cap only
    /// keeps such a draw from exhausting memory.
    public static let maximumDeviceSize = 1 << 20

    /// Generates Synthetic(`alpha`, `beta`) for `devices` devices (Li et al. 2020, FedProx, §5.1).
    ///
    /// This follows the FedProx authors' generator, `data/synthetic_*/generate_synthetic.py` in
    /// github.com/litian96/FedProx (`generate_synthetic(alpha, beta, iid=0)` and its `main`), draw for
    /// draw in the same order, except that every draw comes from `SeededGenerator(seed: seed)`:
    ///
    /// 1. Device sizes: n_k = ⌊lognormal(μ = 4, σ = 2)⌋ + 50 (numpy's `lognormal(4, 2)`, i.e.
    ///    exp(4 + 2Z), truncated to an integer), capped at ``maximumDeviceSize``.
    /// 2. u_k ~ N(0, α²) for every device, then B_k ~ N(0, β²). The script calls
    ///    `np.random.normal(0, alpha)`, whose second argument is the standard deviation, so α and β
    ///    are standard deviations here too (the paper writes N(0, α), which reads as a variance;
    ///    at the paper's settings 0, 0.5 and 1 the two agree except for 0.5). The same u_k is the
    ///    mean of both W_k and b_k (`mean_b = mean_W`).
    /// 3. v_k ∈ R⁶⁰ with entries ~ N(B_k, 1), for every device.
    /// 4. Per device: W_k (60 × 10, drawn row-major) and b_k ∈ R¹⁰ with entries ~ N(u_k, 1); then
    ///    n_k examples x ~ N(v_k, Σ), Σ diagonal with Σ_jj = j^(−1.2), j = 1…60; and
    ///    y = argmax softmax(xᵀW_k + b_k) (the first maximum on a tie).
    /// 5. Per device: shuffle the examples, keep the first ⌊0.9 · n_k⌋ for training and put the rest
    ///    in the test set (``trainFraction``). An 80/20 split is often quoted for FedProx's datasets;
    ///    this script, which produced the published synthetic data, splits 90/10.
    ///
    /// The test set is the devices' test examples in device order. Its accuracy equals the
    /// sample-weighted average of per-device test accuracies, the figure FedProx reports.
    ///
    /// Note that u_k moves every logit of device k by the same amount (u_k Σx_j + u_k), so α changes
    /// the draws but not the labels' distribution; the label skew across devices comes from the
    /// device-specific W_k and from β, which spreads the devices' feature means.
    ///
    /// - Parameters:
    ///   - alpha: Standard deviation of the model means u_k (finite; the sign does not matter).
    ///   - beta: Standard deviation of the feature means B_k (finite; the sign does not matter).
    ///   - devices: The number of devices; 30 in the paper. Zero or fewer gives a dataset with no
    ///     clients and an empty test set.
    ///   - seed: Seeds every draw; equal arguments give equal datasets.
    /// - Returns: One client per device with features of shape `[n, 60]` and labels in `0..<10`, the
    ///   pooled test set, and the name `synthetic(α,β)`.
    public static func generate(alpha: Double, beta: Double, devices: Int = 30, seed: UInt64) -> FederatedDataset {
        let deviceCount = max(devices, 0)
        let d = featureCount, classes = classCount
        var generator = SeededGenerator(seed: seed)
        let (sizes, modelMeans, featureMeans) = deviceParameters(
            alpha: alpha, beta: beta, devices: deviceCount, generator: &generator)
        var clients: [Dataset] = []
        clients.reserveCapacity(deviceCount)
        var testFeatures: [Float] = []
        var testLabels: [Int32] = []
        for k in 0..<deviceCount {
            // 4. The device's model and examples, 5. its split.
            clients.append(
                device(
                    size: sizes[k], modelMean: modelMeans[k], featureMean: featureMeans[k],
                    standardDeviations: standardDeviations, generator: &generator,
                    testFeatures: &testFeatures, testLabels: &testLabels))
        }
        let test = Dataset(
            features: Tensor(shape: [testLabels.count, d], scalars: testFeatures),
            labels: testLabels, classCount: classes
        )
        return FederatedDataset(
            clients: clients, test: test,
            name: name(alpha: alpha, beta: beta))
    }

    /// Step 1 of ``generate(alpha:beta:devices:seed:)``: `count` device sizes
    /// ⌊lognormal(4, 2)⌋ + 50, each capped at ``maximumDeviceSize``.
    package static func deviceSizes(_ count: Int, using generator: inout SeededGenerator) -> [Int] {
        (0..<max(count, 0)).map { _ in
            let draw = RandomDistributions.lognormal(mu: 4, sigma: 2, using: &generator)
            return Int(min(draw, Double(maximumDeviceSize - 50))) + 50
        }
    }

    /// The index of the first largest value (numpy's `argmax`); 0 for an empty or all-NaN array.
    static func argmax(_ values: UnsafeBufferPointer<Double>) -> Int {
        var best = 0
        for i in values.indices.dropFirst() where values[i] > values[best] || values[best].isNaN {
            best = i
        }
        return best
    }

    /// `synthetic(1,1)`: the dataset's name for reports.
    package static func name(alpha: Double, beta: Double) -> String {
        "synthetic(\(shortForm(alpha)),\(shortForm(beta)))"
    }

    /// `1` for 1.0, `0.5` for 0.5: the parameter as the paper writes it.
    private static func shortForm(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
