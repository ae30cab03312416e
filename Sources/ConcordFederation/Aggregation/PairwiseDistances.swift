/// Squared Euclidean distances between every pair of n vectors, and the Krum scores they give,
/// shared by Krum, Multi-Krum and Bulyan.
///
/// The n(n − 1)/2 distances are computed once, in blocks of coordinates so that the block of every
/// vector stays in cache while all pairs use it, and accumulated in `Double`. Each vector's
/// neighbours are then sorted by distance once, so that Krum scores over any subset of the vectors
/// (Bulyan's repeated Krum) cost O(n) per vector instead of a sort.
struct PairwiseDistances {
    /// The number of vectors.
    let count: Int
    /// `squared[i · count + j]`: ‖v_i − v_j‖², with a non-number replaced by +∞.
    private let squared: [Double]
    /// `neighbours[i · (count − 1) ..< (i + 1) · (count − 1)]`: the other vectors in ascending order of
    /// distance from v_i, ties by index.
    private let neighbours: [Int]

    /// The distances between `vectors`, each of which has `dimension` values (checked by the caller).
    init(_ vectors: [[Float]], dimension: Int) {
        let n = vectors.count
        count = n
        var squared = [Double](repeating: 0, count: n * n)
        let block = max(256, min(8192, 65_536 / max(1, n)))
        squared.withUnsafeMutableBufferPointer { distances in
            var start = 0
            while start < dimension {
                let end = min(dimension, start + block)
                for i in 0..<n {
                    vectors[i].withUnsafeBufferPointer { a in
                        guard a.count >= end else { return }
                        for j in (i + 1)..<n {
                            vectors[j].withUnsafeBufferPointer { b in
                                guard b.count >= end else { return }
                                distances[i * n + j] += Self.squaredDistance(a, b, from: start, to: end)
                            }
                        }
                    }
                }
                start = end
            }
            for i in 0..<n {
                for j in (i + 1)..<n {
                    let d = distances[i * n + j].isNaN ? Double.infinity : distances[i * n + j]
                    distances[i * n + j] = d
                    distances[j * n + i] = d
                }
            }
        }
        self.squared = squared
        var neighbours: [Int] = []
        neighbours.reserveCapacity(n * max(0, n - 1))
        for i in 0..<n {
            let others = (0..<n).filter { $0 != i }.sorted { j, k in
                let dj = squared[i * n + j]
                let dk = squared[i * n + k]
                return dj < dk || (dj == dk && j < k)
            }
            neighbours.append(contentsOf: others)
        }
        self.neighbours = neighbours
    }

    /// The members of `active` (flags, one per vector) in ascending order of Krum score, ties by
    /// index.
    ///
    /// A vector's score is the sum of its squared distances to its r − f − 2 nearest other active
    /// vectors, r being the number of active vectors; when r < f + 2 the count is taken as zero (all
    /// scores 0, so the order is by index), which Bulyan's last selection steps can reach.
    func krumRanking(active: [Bool], f: Int) -> [Int] {
        let n = count
        guard active.count == n, n > 0 else { return [] }
        let members = (0..<n).filter { active[$0] }
        let nearest = max(0, members.count - f - 2)
        var scores = [Double](repeating: 0, count: n)
        let stride = n - 1
        neighbours.withUnsafeBufferPointer { order in
            squared.withUnsafeBufferPointer { distances in
                for i in members {
                    var taken = 0
                    var score = 0.0
                    var position = i * stride
                    let last = position + stride
                    while taken < nearest && position < last {
                        let j = order[position]
                        if active[j] {
                            score += distances[i * n + j]
                            taken += 1
                        }
                        position += 1
                    }
                    scores[i] = score
                }
            }
        }
        return members.sorted { i, j in scores[i] < scores[j] || (scores[i] == scores[j] && i < j) }
    }

    /// Σ (a[k] − b[k])² over from..<to, in `Double`, with eight partial sums (which the compiler
    /// keeps in vector registers).
    @inline(__always)
    private static func squaredDistance(
        _ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, from: Int, to: Int
    ) -> Double {
        var s0 = 0.0
        var s1 = 0.0
        var s2 = 0.0
        var s3 = 0.0
        var s4 = 0.0
        var s5 = 0.0
        var s6 = 0.0
        var s7 = 0.0
        var k = from
        while k &+ 8 <= to {
            let d0 = Double(a[k]) - Double(b[k])
            let d1 = Double(a[k &+ 1]) - Double(b[k &+ 1])
            let d2 = Double(a[k &+ 2]) - Double(b[k &+ 2])
            let d3 = Double(a[k &+ 3]) - Double(b[k &+ 3])
            let d4 = Double(a[k &+ 4]) - Double(b[k &+ 4])
            let d5 = Double(a[k &+ 5]) - Double(b[k &+ 5])
            let d6 = Double(a[k &+ 6]) - Double(b[k &+ 6])
            let d7 = Double(a[k &+ 7]) - Double(b[k &+ 7])
            s0 += d0 * d0
            s1 += d1 * d1
            s2 += d2 * d2
            s3 += d3 * d3
            s4 += d4 * d4
            s5 += d5 * d5
            s6 += d6 * d6
            s7 += d7 * d7
            k &+= 8
        }
        while k < to {
            let d = Double(a[k]) - Double(b[k])
            s0 += d * d
            k += 1
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }
}
