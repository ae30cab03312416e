/// The coordinator's held-out examples for central evaluation, delivered piece by piece in a fixed order,
/// so that an evaluator need hold only the pieces it is evaluating, not the whole set.
public protocol HeldOutData: Sendable {
    /// The shape of one example.
    var exampleShape: [Int] { get }
    /// The number of classes.
    var classCount: Int { get }
    /// The number of examples in all.
    var count: Int { get }
    /// How many pieces the examples come in when an evaluator suggests `suggested`; the same every time.
    func pieceCount(suggested: Int) -> Int
    /// Piece `index` of `pieces` (from ``pieceCount(suggested:)``), made now; the pieces in order are the
    /// examples in order.
    func piece(_ index: Int, of pieces: Int) -> Dataset
}

extension Dataset: HeldOutData {
    /// `suggested` pieces, fewer only when there are fewer examples (at least one).
    public func pieceCount(suggested: Int) -> Int { min(max(suggested, 1), max(count, 1)) }

    /// Examples `index·n/pieces ..< (index+1)·n/pieces`, copied.
    public func piece(_ index: Int, of pieces: Int) -> Dataset {
        let range = (index * count / pieces)..<((index + 1) * count / pieces)
        if let targets = targets(range) {
            return Dataset(features: features.examples(range), targets: targets, outputs: classCount)
        }
        return Dataset(features: features.examples(range), labels: Array(labels[range]), classCount: classCount)
    }
}
