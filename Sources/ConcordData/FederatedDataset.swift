import ConcordTensor

/// A federated dataset: one training ``Dataset`` per client and a shared test set, as in the
/// simulations of McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks from
/// Decentralized Data", and Li et al. 2020, "Federated Optimization in Heterogeneous Networks".
///
/// Every client's examples are materialised (copied out of the source dataset once), which is the
/// fastest form to train from: use it when the clients are trained often and one more copy of the
/// training set fits in memory (MNIST among 100 or 10,000 clients costs one extra 188 MB copy in
/// total, not one per client). When only a few clients train per round, or the source is large,
/// use ``ClientPartition``, which keeps only the indices and copies one client on demand.
public struct FederatedDataset: Sendable {
    /// Each client's training examples, client `i` at index `i`.
    public var clients: [Dataset]
    /// The held-out examples the global model is evaluated on.
    public var test: Dataset
    /// A short name for logs and reports, e.g. `synthetic(1,1)` or `iid, 100 clients`.
    public var name: String

    /// Creates a federated dataset from its parts.
    public init(clients: [Dataset], test: Dataset, name: String) {
        self.clients = clients
        self.test = test
        self.name = name
    }

    /// The total number of training examples over all clients.
    public var trainingExampleCount: Int { clients.reduce(0) { $0 + $1.count } }

    /// Divides `split.train` among `clients` clients by `scheme` (McMahan et al. 2017 for `iid` and
    /// `shards`, Hsu, Qi and Brown 2019 for `dirichlet`) and keeps `split.test` as the test set.
    ///
    /// The partition is drawn from `SeededGenerator(seed: seed)`, so equal seeds give equal
    /// datasets. Each client's examples are copied once (see ``FederatedDataset`` on memory, and
    /// ``ClientPartition`` for the lazy form).
    /// - Throws: The errors of ``Partitioner/partition(labels:classCount:clients:scheme:generator:)``.
    public static func partitioned(
        _ split: DatasetSplit, clients: Int, scheme: PartitionScheme, seed: UInt64
    ) throws(DataError) -> FederatedDataset {
        let partition = try ClientPartition(split.train, clients: clients, scheme: scheme, seed: seed)
        return FederatedDataset(
            clients: (0..<partition.clientCount).map(partition.client),
            test: split.test,
            name: "\(scheme), \(clients) clients"
        )
    }
}

/// A dataset and each client's example indices into it, materialising one client at a time: the
/// lazy form of ``FederatedDataset`` (partitions of McMahan et al. 2017, "Communication-Efficient
/// Learning of Deep Networks from Decentralized Data", and Hsu, Qi and Brown 2019).
///
/// It holds the source once plus one `Int` per example. Use it when a round samples a few clients
/// out of many (10,000 MNIST clients, 10 per round), or when the source is too large to copy; call
/// ``client(_:)`` for the clients of the current round and let the copies go afterwards. Training
/// code can also skip the copy and ``Dataset/gather(_:into:labels:)`` batches straight from
/// ``dataset`` with ``indices``.
public struct ClientPartition: Sendable {
    /// The examples every client draws from.
    public let dataset: Dataset
    /// Client `i`'s example indices into ``dataset``.
    public let indices: [[Int]]

    /// Partitions `dataset` among `clients` clients by `scheme`, drawing from
    /// `SeededGenerator(seed: seed)` (McMahan et al. 2017; Hsu, Qi and Brown 2019).
    /// - Throws: The errors of ``Partitioner/partition(labels:classCount:clients:scheme:generator:)``.
    public init(_ dataset: Dataset, clients: Int, scheme: PartitionScheme, seed: UInt64) throws(DataError) {
        var generator = SeededGenerator(seed: seed)
        self.dataset = dataset
        self.indices = try Partitioner.partition(
            labels: dataset.labels, classCount: dataset.classCount,
            clients: clients, scheme: scheme, generator: &generator
        )
    }

    /// Wraps an existing assignment (for example one read from a file), checking every index.
    /// Indices may repeat; nothing requires the clients to be disjoint here.
    /// - Throws: ``DataError/partitionIndexOutOfRange(client:index:count:)`` for an index outside
    ///   `0..<dataset.count`.
    public init(dataset: Dataset, indices: [[Int]]) throws(DataError) {
        for (client, list) in indices.enumerated() {
            if let bad = list.first(where: { $0 < 0 || $0 >= dataset.count }) {
                throw .partitionIndexOutOfRange(client: client, index: bad, count: dataset.count)
            }
        }
        self.dataset = dataset
        self.indices = indices
    }

    /// The number of clients.
    public var clientCount: Int { indices.count }

    /// The number of examples client `i` holds, without copying them.
    /// - Precondition: `i` is in `0..<clientCount`.
    public func size(of i: Int) -> Int { indices[i].count }

    /// Client `i`'s examples as a view into ``dataset``: its indices, nothing copied.
    /// - Precondition: `i` is in `0..<clientCount` (like an array subscript).
    public func view(_ i: Int) -> DatasetView {
        precondition(i >= 0 && i < indices.count, "client \(i) outside 0..<\(indices.count)")
        return DatasetView(dataset, rows: indices[i])
    }

    /// Client `i`'s examples, copied out of ``dataset`` in the order of `indices[i]`.
    /// - Precondition: `i` is in `0..<clientCount` (like an array subscript).
    public func client(_ i: Int) -> Dataset {
        precondition(i >= 0 && i < indices.count, "client \(i) outside 0..<\(indices.count)")
        return dataset.subset(indices[i])
    }
}
