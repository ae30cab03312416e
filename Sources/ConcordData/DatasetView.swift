/// Some examples of a shared dataset, named by their indices and never copied: what one virtual
/// participant of a simulation holds, so that its memory is one `Int` per example, not the examples.
///
/// Training gathers each mini-batch straight from ``dataset`` through ``rows``; the batches are the
/// ones training on ``materialized()`` would see, row for row.
public struct DatasetView: Sendable {
    /// The dataset the examples live in.
    public let dataset: Dataset
    /// The examples' indices into ``dataset``, in the participant's order; nil for all of them in order.
    public let rows: [Int]?

    /// The examples of `dataset` at `rows`, in that order; the whole of `dataset` when `rows` is nil.
    ///
    /// - Precondition: every row is in `0..<dataset.count` (``ClientPartition`` checks its indices).
    public init(_ dataset: Dataset, rows: [Int]? = nil) {
        self.dataset = dataset
        self.rows = rows
    }

    /// The number of examples in the view.
    public var count: Int { rows?.count ?? dataset.count }

    /// The examples as a dataset of their own (a copy, for code off the training path).
    public func materialized() -> Dataset {
        guard let rows else { return dataset }
        return dataset.subset(rows)
    }
}
