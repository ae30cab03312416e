import ConcordTensor

extension TabularTable {
    /// The rows a node trains on and the rows it keeps back for its own evaluation: a seeded `fraction` of them,
    /// rounded, always leaving one to train on; with `fraction` 0 nothing is held out.
    ///
    /// - Parameters:
    ///   - fraction: the share held out, in [0, 1).
    ///   - seed: the seed of the shuffle that chooses them.
    /// - Returns: the training rows and the held-out rows (nil when none are), each in file order.
    public func holdingOut(fraction: Double, seed: UInt64) -> (training: TabularTable, heldOut: TabularTable?) {
        let held = Self.heldOutCount(rows: count, fraction: fraction)
        guard held > 0 else { return (self, nil) }
        var generator = SeededGenerator(seed: seed)
        var order = Array(0..<count)
        order.shuffle(using: &generator)
        return (rows(order[held...].sorted()), rows(order[..<held].sorted()))
    }

    /// How many of `rows` rows ``holdingOut(fraction:seed:)`` keeps back.
    public static func heldOutCount(rows: Int, fraction: Double) -> Int {
        guard fraction > 0 else { return 0 }
        return TabularFederation.heldOutCount(rows, fraction)
    }
}
