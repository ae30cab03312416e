import ConcordTensor

/// Divides a dataset's examples among federated clients by a ``PartitionScheme``: the IID and
/// shard splits of McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks from
/// Decentralized Data", and the Dirichlet label-skew split of Hsu, Qi and Brown 2019, "Measuring
/// the Effects of Non-Identical Data Distribution for Federated Visual Classification".
public enum Partitioner {
    /// Each client's example indices under `scheme`; every example is used at most once, and the
    /// same generator state always gives the same partition.
    ///
    /// The schemes, for N examples and `clients` clients:
    ///
    /// - ``PartitionScheme/iid``: a seeded Fisher–Yates shuffle of `0..<N`, dealt out in
    ///   consecutive chunks; the first `N % clients` clients get `N / clients + 1` examples, the
    ///   rest `N / clients`. Every example is used.
    /// - ``PartitionScheme/shards(perClient:)`` (McMahan et al. 2017, §3): the indices sorted by
    ///   label (stable, so ties stay in index order) are cut into `S = clients × K` consecutive
    ///   shards whose sizes differ by at most 1 (the first `N % S` are one longer); a seeded shuffle
    ///   of the shard ids gives client `k` shards `k·K ..< (k+1)·K` of that order. Every example is
    ///   used. With 60,000 MNIST digits, 100 clients and K = 2 these are the paper's 200 shards of
    ///   300, and most clients see only two digits.
    /// - ``PartitionScheme/dirichlet(alpha:)`` (Hsu, Qi and Brown 2019):
    ///   1. p is the class prior, `p_c = n_c / N`; each class's indices are put in a seeded random
    ///      order, its pool.
    ///   2. Client sizes are those of the IID split (`N / clients`, the first `N % clients` one more),
    ///      so every example is used.
    ///   3. Clients are filled in order `0, 1, …`. Client k draws q ~ Dir(α · p) (classes absent from
    ///      the dataset get weight 0), then takes its examples one at a time: a class c is drawn with
    ///      probability proportional to `q_c` among the classes whose pools are not yet exhausted
    ///      (q renormalised over the remaining classes), and the next example of c's pool is taken,
    ///      without replacement.
    ///   4. If q has no mass left on any remaining class, the class is drawn in proportion to the
    ///      examples each class has left (the prior of what remains).
    ///   Small α gives clients dominated by one class; large α approaches the IID split. Late
    ///   clients can be pushed towards the classes earlier clients left over: that is inherent in
    ///   drawing without replacement with equal client sizes.
    ///
    /// - Parameters:
    ///   - labels: The class of each example; example `i` is index `i` in the result.
    ///   - classCount: The number of classes; every label must be in `0..<classCount`.
    ///   - clients: The number of clients, in `1...labels.count`.
    ///   - scheme: How to divide the examples.
    ///   - generator: Every random draw; advance it the same way and the partition is the same.
    /// - Returns: `clients` arrays of indices into `labels`, pairwise disjoint.
    /// - Throws: ``DataError/invalidClassCount(_:)``, ``DataError/invalidClientCount(clients:examples:)``,
    ///   ``DataError/partitionLabelOutOfRange(index:label:classCount:)``,
    ///   ``DataError/invalidPartitionScheme(text:reason:)`` for `K < 1` or a non-positive or
    ///   non-finite α, and ``DataError/tooFewExamplesForShards(examples:shards:)`` when there are
    ///   fewer examples than `clients × K`.
    public static func partition(
        labels: [Int32],
        classCount: Int,
        clients: Int,
        scheme: PartitionScheme,
        generator: inout SeededGenerator
    ) throws(DataError) -> [[Int]] {
        guard classCount >= 1 else { throw .invalidClassCount(classCount) }
        guard clients >= 1, clients <= labels.count else {
            throw .invalidClientCount(clients: clients, examples: labels.count)
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || Int($0) >= classCount }) {
            throw .partitionLabelOutOfRange(index: bad, label: Int(labels[bad]), classCount: classCount)
        }
        if let reason = scheme.invalidityReason {
            throw .invalidPartitionScheme(text: scheme.description, reason: reason)
        }
        switch scheme {
        case .iid:
            return iid(count: labels.count, clients: clients, generator: &generator)
        case .shards(let perClient):
            return try shards(
                labels: labels, classCount: classCount, clients: clients,
                perClient: perClient, generator: &generator)
        case .dirichlet(let alpha):
            return dirichlet(
                labels: labels, classCount: classCount, clients: clients,
                alpha: alpha, generator: &generator)
        }
    }

    /// The sizes of `parts` consecutive chunks of `total` items that differ by at most 1,
    /// the longer ones first.
    static func equalSizes(total: Int, parts: Int) -> [Int] {
        let base = total / parts, extra = total % parts
        return (0..<parts).map { base + ($0 < extra ? 1 : 0) }
    }

    /// A seeded shuffle of all indices, dealt out in chunks of ``equalSizes(total:parts:)``.
    private static func iid(count: Int, clients: Int, generator: inout SeededGenerator) -> [[Int]] {
        var order = Array(0..<count)
        RandomDistributions.shuffle(&order, using: &generator)
        var result: [[Int]] = []
        result.reserveCapacity(clients)
        var start = 0
        for size in equalSizes(total: count, parts: clients) {
            result.append(Array(order[start..<(start + size)]))
            start += size
        }
        return result
    }

    /// The indices of each class, in increasing order (a stable sort by label).
    private static func indicesByClass(labels: [Int32], classCount: Int) -> [[Int]] {
        var byClass = [[Int]](repeating: [], count: classCount)
        for (index, label) in labels.enumerated() { byClass[Int(label)].append(index) }
        return byClass
    }

    /// McMahan et al. 2017 §3: label-sorted indices cut into `clients × perClient` shards,
    /// `perClient` random shards per client.
    private static func shards(
        labels: [Int32], classCount: Int, clients: Int, perClient: Int, generator: inout SeededGenerator
    ) throws(DataError) -> [[Int]] {
        let (shardCount, overflow) = clients.multipliedReportingOverflow(by: perClient)
        guard !overflow, shardCount <= labels.count else {
            throw .tooFewExamplesForShards(examples: labels.count, shards: overflow ? Int.max : shardCount)
        }
        let sorted = indicesByClass(labels: labels, classCount: classCount).flatMap { $0 }
        var shardStarts: [Int] = []
        shardStarts.reserveCapacity(shardCount + 1)
        var start = 0
        for size in equalSizes(total: sorted.count, parts: shardCount) {
            shardStarts.append(start)
            start += size
        }
        shardStarts.append(start)

        var shardOrder = Array(0..<shardCount)
        RandomDistributions.shuffle(&shardOrder, using: &generator)
        return (0..<clients).map { client in
            shardOrder[(client * perClient)..<((client + 1) * perClient)].flatMap { shard in
                sorted[shardStarts[shard]..<shardStarts[shard + 1]]
            }
        }
    }

    /// Hsu, Qi and Brown 2019: per client q ~ Dir(α · prior), examples drawn class by class without
    /// replacement, q renormalised over the classes that remain (see the procedure above).
    private static func dirichlet(
        labels: [Int32], classCount: Int, clients: Int, alpha: Double, generator: inout SeededGenerator
    ) -> [[Int]] {
        var pools = indicesByClass(labels: labels, classCount: classCount)
        for c in pools.indices { RandomDistributions.shuffle(&pools[c], using: &generator) }
        var remaining = pools.map { Double($0.count) }
        var taken = [Int](repeating: 0, count: classCount)
        let total = Double(labels.count)
        let concentration = pools.map { alpha * Double($0.count) / total }

        var result: [[Int]] = []
        result.reserveCapacity(clients)
        for size in equalSizes(total: labels.count, parts: clients) {
            let q = RandomDistributions.dirichlet(concentration, using: &generator)
            // q restricted to the classes with examples left; exhausted classes drop to weight 0.
            var weights = zip(q, remaining).map { $1 > 0 ? $0 : 0 }
            var indices: [Int] = []
            indices.reserveCapacity(size)
            for _ in 0..<size {
                let drawn =
                    RandomDistributions.categorical(weights, using: &generator)
                    ?? RandomDistributions.categorical(remaining, using: &generator)
                // `remaining` sums to the examples not yet assigned, which is at least the
                // examples this client still needs, so a class is always found.
                guard let c = drawn else { break }
                indices.append(pools[c][taken[c]])
                taken[c] += 1
                remaining[c] -= 1
                if remaining[c] <= 0 { weights[c] = 0 }
            }
            result.append(indices)
        }
        return result
    }
}
