import ConcordData
import ConcordTensor
import Testing

/// Seeds whose 30 device sizes are among the smallest of seeds 0..<400 (2,786 to 3,709 examples),
/// to keep the debug-build tests fast; nothing else about them was chosen.
private let smallSeeds: [UInt64] = [29, 2, 135, 125]

@Suite("Synthetic FedProx (Li et al. 2020)")
struct SyntheticFedProxTests {
    @Test("30 devices with [60]-feature examples, labels in 0..<10, a 90/10 split per device")
    func shapesAndLabels() {
        let data = SyntheticFedProx.generate(alpha: 1, beta: 1, seed: smallSeeds[1])
        #expect(data.name == "synthetic(1,1)")
        #expect(data.clients.count == 30)
        for client in data.clients {
            #expect(client.exampleShape == [60])
            #expect(client.classCount == 10)
            #expect(client.count >= 45)  // ⌊0.9 · 50⌋: every device has at least 50 examples
            #expect(client.labels.allSatisfy { (0..<10).contains($0) })
            #expect(client.features.scalars.allSatisfy { $0.isFinite })
        }
        #expect(data.test.exampleShape == [60])
        #expect(data.test.labels.allSatisfy { (0..<10).contains($0) })
        // Each device of n examples keeps ⌊0.9 n⌋; the test set holds the rest, so it lies between
        // 1/9 of the training examples (rounded down) and that plus one example per device.
        let train = data.trainingExampleCount
        #expect(data.test.count >= train / 9 && data.test.count <= train / 9 + 30)
        let sizes = data.clients.map(\.count)
        #expect((sizes.max() ?? 0) > 2 * (sizes.min() ?? 0), "sizes \(sizes) are not spread out")
    }

    @Test("device sizes are lognormal(4, 2) + 50")
    func deviceSizes() {
        var generator = SeededGenerator(seed: 11)
        let sizes = SyntheticFedProx.deviceSizes(20_000, using: &generator)
        #expect(sizes.allSatisfy { $0 >= 50 && $0 <= SyntheticFedProx.maximumDeviceSize })
        // P(⌊e^(4+2Z)⌋ ≥ 55) = P(Z ≥ 0.0018) ≈ 0.499 and P(⌊e^(4+2Z)⌋ ≥ 403) = P(Z ≥ 0.9994) ≈ 0.159.
        let aboveMedian = Double(sizes.filter { $0 >= 105 }.count) / Double(sizes.count)
        let aboveOneSigma = Double(sizes.filter { $0 >= 453 }.count) / Double(sizes.count)
        #expect(abs(aboveMedian - 0.499) < 0.02, "\(aboveMedian)")
        #expect(abs(aboveOneSigma - 0.159) < 0.015, "\(aboveOneSigma)")
    }

    @Test("the same seed gives the same data, another seed other data")
    func determinism() {
        let first = SyntheticFedProx.generate(alpha: 0.5, beta: 0.5, devices: 4, seed: 7)
        let again = SyntheticFedProx.generate(alpha: 0.5, beta: 0.5, devices: 4, seed: 7)
        let other = SyntheticFedProx.generate(alpha: 0.5, beta: 0.5, devices: 4, seed: 8)
        #expect(first.clients.map(\.features) == again.clients.map(\.features))
        #expect(first.clients.map(\.labels) == again.clients.map(\.labels))
        #expect(first.test.features == again.test.features && first.test.labels == again.test.labels)
        #expect(first.clients.map(\.features) != other.clients.map(\.features))
        #expect(first.name == "synthetic(0.5,0.5)")
    }

    @Test("no devices gives an empty dataset", arguments: [0, -1])
    func noDevices(devices: Int) {
        let data = SyntheticFedProx.generate(alpha: 1, beta: 1, devices: devices, seed: 1)
        #expect(data.clients.isEmpty)
        #expect(data.test.count == 0 && data.test.exampleShape == [60])
    }

    /// β spreads the devices' feature means: B_k ~ N(0, β²) shifts all 60 features of device k, so
    /// the spread across devices of a device's mean feature is about √(1/60) ≈ 0.13 for β = 0 and
    /// about 1 for β = 1 (over 200 seeds the ratio never fell below 4).
    @Test("synthetic(1,1) devices have more dispersed feature distributions than synthetic(0,0)")
    func featureHeterogeneity() {
        func spreadOfDeviceMeans(_ data: FederatedDataset) -> Double {
            let means = data.clients.map { client in
                client.features.scalars.reduce(0) { $0 + Double($1) } / Double(client.features.count)
            }
            let center = means.reduce(0, +) / Double(means.count)
            let variance = means.reduce(0) { $0 + ($1 - center) * ($1 - center) } / Double(means.count - 1)
            return variance.squareRoot()
        }
        let homogeneous = spreadOfDeviceMeans(SyntheticFedProx.generate(alpha: 0, beta: 0, seed: smallSeeds[0]))
        let heterogeneous = spreadOfDeviceMeans(SyntheticFedProx.generate(alpha: 1, beta: 1, seed: smallSeeds[0]))
        #expect(heterogeneous > 3 * homogeneous, "spread \(heterogeneous) vs \(homogeneous)")
    }

    /// Larger feature means make each device's labels more concentrated, so (1,1) devices see fewer
    /// distinct classes and their label distributions differ more across devices. The effect is
    /// modest per seed (about 9 seeds in 10), so the test pools four seeds (in release-build checks
    /// over 25 such groups of four, every group showed it). α does not enter: u_k adds the same
    /// amount to every logit of a device.
    @Test("synthetic(1,1) devices' label distributions are more skewed than synthetic(0,0)'s")
    func labelHeterogeneity() {
        func distinctLabelsPerDevice(alpha: Double, beta: Double) -> Double {
            var total = 0, devices = 0
            for seed in smallSeeds {
                let data = SyntheticFedProx.generate(alpha: alpha, beta: beta, seed: seed)
                total += data.clients.reduce(0) { $0 + Set($1.labels).count }
                devices += data.clients.count
            }
            return Double(total) / Double(devices)
        }
        let homogeneous = distinctLabelsPerDevice(alpha: 0, beta: 0)
        let heterogeneous = distinctLabelsPerDevice(alpha: 1, beta: 1)
        #expect(heterogeneous < homogeneous, "\(heterogeneous) vs \(homogeneous) distinct labels per device")
    }
}
