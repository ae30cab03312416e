/// A comparator network that puts the values of chosen ranks in place: Batcher's odd–even merge
/// sort for the next power of two at or above n, with the comparators that touch the (virtual, +∞)
/// padding removed and then those that cannot affect the chosen ranks.
///
/// Applied to n rows of a coordinate block, each comparator is an element-wise minimum and maximum
/// of two rows, so every coordinate of the block is processed at once without a data-dependent
/// branch — far faster than a per-coordinate quickselect for the n of federated rounds.
struct SelectionNetwork {
    /// The comparators in order: after `(low[c], high[c])`, the smaller value is at `low[c]`.
    let low: [Int]
    /// The other end of each comparator, always greater than the matching `low`.
    let high: [Int]

    /// A network for `count` values after which positions `ranks` hold the values of those ranks.
    init(count: Int, ranks: Range<Int>) {
        var size = 1
        while size < count { size *= 2 }
        var pairs: [(Int, Int)] = []
        // Batcher's odd–even merge sort, iteratively: merge sorted runs of length p into runs of 2p.
        var p = 1
        while p < size {
            var k = p
            while k >= 1 {
                var j = k % p
                while j + k < size {
                    for i in 0..<min(k, size - j - k) {
                        let a = i + j
                        let b = i + j + k
                        // Only pairs within one run of length 2p; pairs touching the padding are no-ops.
                        if a / (2 * p) == b / (2 * p) && b < count { pairs.append((a, b)) }
                    }
                    j += 2 * k
                }
                k /= 2
            }
            p *= 2
        }
        // Keep, from the last comparator back, only those whose outputs are still needed.
        var needed = [Bool](repeating: false, count: max(0, count))
        for r in ranks where r >= 0 && r < count { needed[r] = true }
        var kept: [(Int, Int)] = []
        for (a, b) in pairs.reversed() where needed[a] || needed[b] {
            kept.append((a, b))
            needed[a] = true
            needed[b] = true
        }
        low = kept.reversed().map(\.0)
        high = kept.reversed().map(\.1)
    }

    /// The number of comparators.
    var count: Int { low.count }
}
