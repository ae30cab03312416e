import ConcordData
import ConcordTensor
import Testing

/// Labels shaped like MNIST's training set: 60,000 examples, 6,000 per class, classes interleaved
/// (example i has label i mod 10) so that the shard split really has to sort them.
private let mnistLikeLabels: [Int32] = (0..<60_000).map { Int32($0 % 10) }

/// 1,000 labels over 5 classes with an uneven prior (400, 300, 150, 100, 50), shuffled by a fixed rule.
private let unevenLabels: [Int32] = {
    let counts = [400, 300, 150, 100, 50]
    let sorted = counts.enumerated().flatMap { [Int32](repeating: Int32($0.offset), count: $0.element) }
    return (0..<sorted.count).map { sorted[($0 * 7_919) % sorted.count] }  // 7919 is coprime to 1000
}()

private func partition(
    _ labels: [Int32], classCount: Int = 10, clients: Int, scheme: PartitionScheme, seed: UInt64 = 1
) throws(DataError) -> [[Int]] {
    var generator = SeededGenerator(seed: seed)
    return try Partitioner.partition(
        labels: labels, classCount: classCount, clients: clients,
        scheme: scheme, generator: &generator)
}

/// The share of a client's examples that belong to its most common class.
private func maxClassShare(_ indices: [Int], labels: [Int32], classCount: Int) -> Double {
    var counts = [Int](repeating: 0, count: classCount)
    for index in indices { counts[Int(labels[index])] += 1 }
    return Double(counts.max() ?? 0) / Double(max(indices.count, 1))
}

/// Partition schemes, the partitioner, federated datasets built from it, and the samplers it uses.
@Suite("Partitioning")
struct PartitionTests {
    @Suite("Partition scheme parsing")
    struct Parsing {
        @Test(
            "accepted forms",
            arguments: [
                ("iid", PartitionScheme.iid),
                ("shards", .shards(perClient: 2)),
                ("shards:2", .shards(perClient: 2)),
                ("shards:5", .shards(perClient: 5)),
                ("dirichlet:0.5", .dirichlet(alpha: 0.5)),
                ("dirichlet:100", .dirichlet(alpha: 100)),
                ("  Dirichlet:1e-2 ", .dirichlet(alpha: 0.01)),
                ("IID", .iid),
            ])
        func parses(text: String, expected: PartitionScheme) throws {
            let scheme = try PartitionScheme(parsing: text)
            #expect(scheme == expected)
            #expect(try PartitionScheme(parsing: scheme.description) == scheme)  // description round-trips
        }

        @Test(
            "rejected forms list the accepted ones",
            arguments: [
                "", "  ", "random", "iid:3", "shards:", "shards:0", "shards:-1", "shards:two", "shards:1.5",
                "dirichlet", "dirichlet:", "dirichlet:0", "dirichlet:-1", "dirichlet:nan", "dirichlet:inf",
                "dirichlet:abc", "dirichlet:0.5:1",
            ])
        func rejects(text: String) {
            do {
                let scheme = try PartitionScheme(parsing: text)
                Issue.record("'\(text)' parsed as \(scheme)")
            } catch {
                guard case .invalidPartitionScheme(let echoed, _) = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
                #expect(echoed == text)
                #expect(error.description.contains("accepted forms"))
                #expect(error.description.contains("dirichlet:ALPHA"))
                #expect(error.description.contains("shards:K"))
            }
        }
    }

    @Suite("Partitioner")
    struct Schemes {
        static let schemes: [PartitionScheme] = [
            .iid, .shards(perClient: 2), .shards(perClient: 3),
            .dirichlet(alpha: 0.1), .dirichlet(alpha: 100),
        ]

        @Test("every example is used exactly once", arguments: schemes, [1, 7, 100])
        func disjointAndComplete(scheme: PartitionScheme, clients: Int) throws {
            let parts = try partition(unevenLabels, classCount: 5, clients: clients, scheme: scheme)
            #expect(parts.count == clients)
            let all = parts.flatMap { $0 }
            #expect(all.allSatisfy { (0..<unevenLabels.count).contains($0) })
            #expect(Set(all).count == all.count, "an example was given out twice")
            // Every scheme here deals out all examples (Dirichlet client sizes add up to N as well).
            #expect(all.count == unevenLabels.count)
        }

        @Test("iid sizes differ by at most one", arguments: [(1_000, 7), (1_000, 1_000), (1_003, 10), (5, 5)])
        func iidSizes(examples: Int, clients: Int) throws {
            let labels = [Int32](repeating: 0, count: examples)
            let sizes = try partition(labels, classCount: 1, clients: clients, scheme: .iid).map(\.count)
            #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
            #expect(sizes.reduce(0, +) == examples)
        }

        @Test("shards reproduce FedAvg's MNIST split: 100 clients × 600, at most two digits each")
        func shardsOnMNISTLikeLabels() throws {
            let parts = try partition(mnistLikeLabels, clients: 100, scheme: .shards(perClient: 2))
            #expect(parts.count == 100)
            #expect(parts.allSatisfy { $0.count == 600 })
            let distinct = parts.map { Set($0.map { mnistLikeLabels[$0] }).count }
            #expect(distinct.allSatisfy { $0 <= 2 })
            #expect(distinct.contains(2))  // the shards are dealt at random, not in label order
            #expect(Set(parts.flatMap { $0 }).count == 60_000)
        }

        @Test("dirichlet skew follows alpha: 0.1 near one class per client, 100 near the prior")
        func dirichletSkew() throws {
            let labels = Array(mnistLikeLabels.prefix(20_000))
            func meanMaxShare(_ alpha: Double) throws -> Double {
                let parts = try partition(labels, clients: 100, scheme: .dirichlet(alpha: alpha))
                let shares = parts.map { maxClassShare($0, labels: labels, classCount: 10) }
                return shares.reduce(0, +) / Double(shares.count)
            }
            let skewed = try meanMaxShare(0.1)
            let nearIID = try meanMaxShare(100)
            #expect(skewed > 0.7, "mean max-class share \(skewed) for alpha 0.1")
            #expect(nearIID < 0.2, "mean max-class share \(nearIID) for alpha 100")
        }

        @Test("dirichlet follows an uneven prior when alpha is large")
        func dirichletFollowsPrior() throws {
            let parts = try partition(unevenLabels, classCount: 5, clients: 10, scheme: .dirichlet(alpha: 1_000))
            for indices in parts {
                let shareOfClass0 = Double(indices.filter { unevenLabels[$0] == 0 }.count) / Double(indices.count)
                #expect(abs(shareOfClass0 - 0.4) < 0.12)
            }
        }

        @Test("the same seed gives the same partition, another seed another", arguments: schemes)
        func determinism(scheme: PartitionScheme) throws {
            let first = try partition(unevenLabels, classCount: 5, clients: 10, scheme: scheme, seed: 42)
            let again = try partition(unevenLabels, classCount: 5, clients: 10, scheme: scheme, seed: 42)
            let other = try partition(unevenLabels, classCount: 5, clients: 10, scheme: scheme, seed: 43)
            #expect(first == again)
            #expect(first != other)
        }

        @Test("client counts outside 1...examples are rejected", arguments: schemes, [0, -3, 1_001])
        func badClientCounts(scheme: PartitionScheme, clients: Int) {
            #expect(throws: DataError.invalidClientCount(clients: clients, examples: 1_000)) {
                try partition(unevenLabels, classCount: 5, clients: clients, scheme: scheme)
            }
        }

        @Test(
            "invalid scheme parameters are rejected",
            arguments: [
                PartitionScheme.dirichlet(alpha: 0), .dirichlet(alpha: -1), .dirichlet(alpha: .nan),
                .dirichlet(alpha: .infinity), .shards(perClient: 0), .shards(perClient: -2),
            ])
        func badSchemes(scheme: PartitionScheme) {
            do {
                _ = try partition(unevenLabels, classCount: 5, clients: 10, scheme: scheme)
                Issue.record("\(scheme) was accepted")
            } catch {
                guard case .invalidPartitionScheme = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
            }
        }

        @Test("shards need at least one example per shard")
        func tooFewExamplesForShards() {
            let labels: [Int32] = (0..<11).map { Int32($0 % 3) }
            #expect(throws: DataError.tooFewExamplesForShards(examples: 11, shards: 12)) {
                try partition(labels, classCount: 3, clients: 6, scheme: .shards(perClient: 2))
            }
            #expect(throws: DataError.tooFewExamplesForShards(examples: 11, shards: .max)) {
                try partition(labels, classCount: 3, clients: 2, scheme: .shards(perClient: .max))
            }
        }

        @Test("labels outside 0..<classCount and bad class counts are rejected")
        func badLabels() {
            #expect(throws: DataError.partitionLabelOutOfRange(index: 2, label: 3, classCount: 3)) {
                try partition([0, 1, 3, 2], classCount: 3, clients: 2, scheme: .iid)
            }
            #expect(throws: DataError.partitionLabelOutOfRange(index: 1, label: -1, classCount: 3)) {
                try partition([0, -1], classCount: 3, clients: 1, scheme: .iid)
            }
            #expect(throws: DataError.invalidClassCount(0)) {
                try partition([0, 0], classCount: 0, clients: 1, scheme: .iid)
            }
        }

        @Test("error messages say what to change")
        func messages() {
            #expect(DataError.invalidClientCount(clients: 0, examples: 10).description.contains("between 1 and"))
            #expect(DataError.tooFewExamplesForShards(examples: 11, shards: 12).description.contains("fewer clients"))
        }
    }

    @Suite("Federated datasets from partitions")
    struct Federated {
        /// Twelve one-scalar examples whose feature is their index; labels cycle through 3 classes.
        let source = Dataset(
            features: Tensor(shape: [12, 1], scalars: (0..<12).map(Float.init)),
            labels: (0..<12).map { Int32($0 % 3) }, classCount: 3)

        @Test(
            "partitioned copies each client's examples; the lazy form gives the same clients",
            arguments: [PartitionScheme.iid, .shards(perClient: 2), .dirichlet(alpha: 0.5)])
        func partitioned(scheme: PartitionScheme) throws {
            let split = DatasetSplit(train: source, test: source.subset([0, 1]))
            let federated = try FederatedDataset.partitioned(split, clients: 3, scheme: scheme, seed: 9)
            let lazy = try ClientPartition(source, clients: 3, scheme: scheme, seed: 9)
            #expect(federated.clients.count == 3)
            #expect(federated.test.count == 2)
            #expect(federated.trainingExampleCount == 12)
            #expect(federated.name.contains(scheme.description))
            for i in 0..<3 {
                let client = federated.clients[i]
                #expect(client.features.scalars == lazy.indices[i].map(Float.init))
                #expect(client.labels == lazy.indices[i].map { Int32($0 % 3) })
                #expect(lazy.client(i).features == client.features)
                #expect(lazy.size(of: i) == client.count)
            }
        }

        @Test("an explicit assignment is checked")
        func explicitIndices() throws {
            let partition = try ClientPartition(dataset: source, indices: [[0, 5], [11]])
            #expect(partition.clientCount == 2)
            #expect(partition.client(1).features.scalars == [11])
            #expect(throws: DataError.partitionIndexOutOfRange(client: 1, index: 12, count: 12)) {
                try ClientPartition(dataset: source, indices: [[0], [3, 12]])
            }
        }

        @Test("partitioning errors pass through")
        func errorsPassThrough() {
            let split = DatasetSplit(train: source, test: source)
            #expect(throws: DataError.invalidClientCount(clients: 13, examples: 12)) {
                try FederatedDataset.partitioned(split, clients: 13, scheme: .iid, seed: 1)
            }
        }
    }

    @Suite("Random distributions")
    struct Distributions {
        @Test("Gamma(k, 1) has mean k and variance k", arguments: [0.3, 1.0, 5.0])
        func gammaMoments(shape: Double) {
            var generator = SeededGenerator(seed: 7)
            let n = 40_000
            var sum = 0.0, sumOfSquares = 0.0
            for _ in 0..<n {
                let x = RandomDistributions.gamma(shape: shape, using: &generator)
                sum += x
                sumOfSquares += x * x
            }
            let mean = sum / Double(n)
            let variance = sumOfSquares / Double(n) - mean * mean
            #expect(abs(mean - shape) / shape < 0.03, "mean \(mean) for shape \(shape)")
            #expect(abs(variance - shape) / shape < 0.1, "variance \(variance) for shape \(shape)")
        }

        @Test("Gamma rejects shapes that are not positive and finite")
        func gammaBadShape() {
            var generator = SeededGenerator(seed: 1)
            #expect(RandomDistributions.gamma(shape: 0, using: &generator).isNaN)
            #expect(RandomDistributions.gamma(shape: -1, using: &generator).isNaN)
            #expect(RandomDistributions.gamma(shape: .infinity, using: &generator).isNaN)
        }

        @Test(
            "Dirichlet draws sum to 1 and have mean alpha / sum(alpha)",
            arguments: [[0.5, 1.0, 2.5], [1e-3, 1e-3, 1e-3, 1e-3], [1e-300, 2e-300], [100.0, 0.0, 100.0]])
        func dirichlet(concentration: [Double]) {
            var generator = SeededGenerator(seed: 3)
            let n = 4_000
            var means = [Double](repeating: 0, count: concentration.count)
            for _ in 0..<n {
                let q = RandomDistributions.dirichlet(concentration, using: &generator)
                #expect(abs(q.reduce(0, +) - 1) < 1e-12)
                #expect(q.allSatisfy { $0 >= 0 && $0.isFinite })
                for i in q.indices { means[i] += q[i] / Double(n) }
            }
            let total = concentration.reduce(0, +)
            for i in concentration.indices {
                #expect(abs(means[i] - concentration[i] / total) < 0.04, "component \(i): \(means[i])")
            }
        }

        @Test("bounded integers are uniform and shuffles are permutations")
        func uniformAndShuffle() {
            var generator = SeededGenerator(seed: 5)
            var counts = [0, 0, 0]
            for _ in 0..<30_000 { counts[RandomDistributions.uniformInt(below: 3, using: &generator)] += 1 }
            #expect(counts.allSatisfy { abs($0 - 10_000) < 400 })
            var values = Array(0..<100)
            RandomDistributions.shuffle(&values, using: &generator)
            #expect(values.sorted() == Array(0..<100))
            #expect(values != Array(0..<100))
        }
    }
}
