/// Coordinate-wise order statistics over a set of vectors, shared by the median, the trimmed mean
/// and Bulyan's aggregation stage.
///
/// The vectors are walked in blocks of coordinates, so that a block of every vector stays in cache,
/// into one scratch buffer allocated once; nothing is allocated per coordinate. Up to
/// ``networkLimit`` vectors, a block is copied row by row (one row per vector) and a
/// ``SelectionNetwork`` orders it: each comparator is a branch-free element-wise minimum and
/// maximum of two rows, which vectorises. Beyond that, the block is gathered coordinate-major
/// (n contiguous values per coordinate) and each coordinate is partially ordered by quickselect,
/// O(n) rather than the network's O(n log² n).
enum CoordinateStatistics {
    /// Ranges at most this long are finished by insertion sort rather than partitioned further.
    private static let insertionSortLimit = 16
    /// The most vectors ordered with a selection network rather than quickselect.
    static let networkLimit = 1024

    /// Per coordinate, the mean of the values left after dropping the `trim` smallest and the `trim`
    /// largest of the n values (n = `vectors.count`), accumulated in `Double`.
    ///
    /// `trim` = (n − 1) / 2 gives the median (the mean of the two middle values when n is even). The
    /// caller checks that the vectors have `dimension` values each; `trim` is clamped to that range.
    static func trimmedMean(of vectors: [[Float]], dimension: Int, trim: Int) -> [Float] {
        let n = vectors.count
        guard n > 0, dimension > 0 else { return [Float](repeating: 0, count: max(0, dimension)) }
        let lower = max(0, min(trim, (n - 1) / 2))
        if n <= networkLimit {
            return networkTrimmedMean(of: vectors, dimension: dimension, lower: lower, upper: n - lower)
        }
        return quickselectTrimmedMean(of: vectors, dimension: dimension, lower: lower, upper: n - lower)
    }

    /// ``trimmedMean(of:dimension:trim:)`` keeping ranks lower..<upper, by a selection network on
    /// row-major blocks.
    private static func networkTrimmedMean(of vectors: [[Float]], dimension: Int, lower: Int, upper: Int) -> [Float] {
        typealias Lanes = SIMD8<Float>
        let n = vectors.count
        let network = SelectionNetwork(count: n, ranks: lower..<upper)
        // About 8,192 values (32 KB) a block, whole SIMD vectors, at least 64 coordinates so the row
        // loops run long.
        let block = max(64, min(2048, (8192 / n) / 64 * 64))
        var result = [Float](repeating: 0, count: dimension)
        var scratch = [Float](repeating: 0, count: block * n)
        var sums = [Double](repeating: 0, count: block)
        let kept = Double(upper - lower)
        result.withUnsafeMutableBufferPointer { out in
            scratch.withUnsafeMutableBufferPointer { rowBuffer in
                sums.withUnsafeMutableBufferPointer { sumBuffer in
                    network.low.withUnsafeBufferPointer { lows in
                        network.high.withUnsafeBufferPointer { highs in
                            guard let rows = rowBuffer.baseAddress, let sum = sumBuffer.baseAddress else { return }
                            var start = 0
                            while start < dimension {
                                let width = min(block, dimension - start)
                                // Row k of the block: coordinates start..<start + width of vector k.
                                for k in 0..<n {
                                    vectors[k].withUnsafeBufferPointer { source in
                                        guard let from = source.baseAddress, source.count >= start + width else {
                                            return
                                        }
                                        (rows + k * block).update(from: from + start, count: width)
                                    }
                                }
                                // Whole vectors of lanes; lanes past `width` hold leftovers and are not read.
                                let lanes = (width + Lanes.scalarCount - 1) / Lanes.scalarCount * Lanes.scalarCount
                                for comparator in 0..<lows.count {
                                    let a = rows + lows[comparator] &* block
                                    let b = rows + highs[comparator] &* block
                                    var c = 0
                                    while c < lanes {
                                        let x = UnsafeRawPointer(a + c).loadUnaligned(as: Lanes.self)
                                        let y = UnsafeRawPointer(b + c).loadUnaligned(as: Lanes.self)
                                        let swap = y .< x
                                        UnsafeMutableRawPointer(a + c).storeBytes(
                                            of: x.replacing(with: y, where: swap), as: Lanes.self)
                                        UnsafeMutableRawPointer(b + c).storeBytes(
                                            of: y.replacing(with: x, where: swap), as: Lanes.self)
                                        c &+= Lanes.scalarCount
                                    }
                                }
                                sum.update(repeating: 0, count: width)
                                for r in lower..<upper {
                                    let row = rows + r * block
                                    for c in 0..<width { sum[c] += Double(row[c]) }
                                }
                                for c in 0..<width { out[start + c] = Float(sum[c] / kept) }
                                start += width
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// ``trimmedMean(of:dimension:trim:)`` keeping ranks lower..<upper, by quickselect on
    /// coordinate-major blocks.
    private static func quickselectTrimmedMean(
        of vectors: [[Float]], dimension: Int, lower: Int, upper: Int
    ) -> [Float] {
        let n = vectors.count
        let block = max(16, min(1024, 16_384 / n))
        var result = [Float](repeating: 0, count: dimension)
        var scratch = [Float](repeating: 0, count: block * n)
        result.withUnsafeMutableBufferPointer { out in
            scratch.withUnsafeMutableBufferPointer { buffer in
                var start = 0
                while start < dimension {
                    let width = min(block, dimension - start)
                    // Gather: coordinate start + c of vector k goes to buffer[c · n + k].
                    for k in 0..<n {
                        vectors[k].withUnsafeBufferPointer { source in
                            guard source.count >= start + width else { return }
                            var destination = k
                            for c in start..<(start + width) {
                                buffer[destination] = source[c]
                                destination += n
                            }
                        }
                    }
                    for c in 0..<width {
                        let values = UnsafeMutableBufferPointer(rebasing: buffer[(c * n)..<(c * n + n)])
                        out[start + c] = middleMean(values, lower: lower, upper: upper)
                    }
                    start += width
                }
            }
        }
        return result
    }

    /// The mean of the values of rank lower..<upper (0-based, ascending) in `values`, which it
    /// reorders. Requires 0 ≤ lower < upper ≤ values.count.
    @inline(__always)
    private static func middleMean(_ values: UnsafeMutableBufferPointer<Float>, lower: Int, upper: Int) -> Float {
        let n = values.count
        if lower > 0 {
            // Now values[..<lower] hold the `lower` smallest, values[lower] the next.
            select(values, from: 0, to: n, rank: lower)
        }
        if upper < n && upper - lower > 1 {
            // Among the rest, move the `n − upper` largest behind upper − 1.
            select(values, from: lower + 1, to: n, rank: upper - 1)
        }
        var sum = 0.0
        for i in lower..<upper { sum += Double(values[i]) }
        return Float(sum / Double(upper - lower))
    }

    /// Reorders values[from..<to] so that values[rank] is the value of that rank within the range,
    /// with none greater before it and none smaller after it (Hoare's quickselect with a three-way
    /// partition, so runs of equal values cost nothing extra).
    ///
    /// Every step shrinks the range whatever the comparisons answer, so unordered values (NaN) give
    /// an unspecified order but never a trap or an endless loop.
    static func select(_ values: UnsafeMutableBufferPointer<Float>, from: Int, to: Int, rank: Int) {
        var low = from
        var high = to
        while high - low > insertionSortLimit {
            let pivot = medianOfThree(values[low], values[low + (high - low) / 2], values[high - 1])
            // [low, less) < pivot, [less, next) neither, [greater, high) > pivot.
            var less = low
            var next = low
            var greater = high
            while next < greater {
                let x = values[next]
                if x < pivot {
                    values.swapAt(less, next)
                    less += 1
                    next += 1
                } else if x > pivot {
                    greater -= 1
                    values.swapAt(next, greater)
                } else {
                    next += 1
                }
            }
            // The pivot itself lands in the middle part, so each step leaves a shorter range.
            if rank < less {
                high = less
            } else if rank >= greater {
                low = greater
            } else {
                return
            }
        }
        guard high - low > 1 else { return }
        for i in (low + 1)..<high {
            let x = values[i]
            var j = i
            while j > low && values[j - 1] > x {
                values[j] = values[j - 1]
                j -= 1
            }
            values[j] = x
        }
    }

    /// The middle one of three values (one of them, whatever the comparisons answer).
    @inline(__always)
    private static func medianOfThree(_ a: Float, _ b: Float, _ c: Float) -> Float {
        if a < b {
            if b < c { return b }
            return a < c ? c : a
        }
        if a < c { return a }
        return b < c ? c : b
    }
}
