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
    /// `neighbours[i · (count − 1) ..< (i + 1) · (count − 1)]`: the other vectors in ascending order of
    /// squared distance from v_i, ties by index.
    private let neighbours: [Int]
    /// The squared distance from v_i to each vector of `neighbours`, in the same places; a non-number
    /// is replaced by +∞.
    private let neighbourDistances: [Double]

    /// The distances between `vectors`, each of which has `dimension` values (checked by the caller).
    init(_ vectors: [[Float]], dimension: Int) {
        let n = vectors.count
        count = n
        let squared = Self.squaredDistances(vectors, dimension: dimension)
        var neighbours: [Int] = []
        var neighbourDistances: [Double] = []
        neighbours.reserveCapacity(n * max(0, n - 1))
        neighbourDistances.reserveCapacity(n * max(0, n - 1))
        for i in 0..<n {
            let others = (0..<n).filter { $0 != i }.sorted { j, k in
                let dj = squared[i * n + j]
                let dk = squared[i * n + k]
                return dj < dk || (dj == dk && j < k)
            }
            neighbours.append(contentsOf: others)
            neighbourDistances.append(contentsOf: others.map { squared[i * n + $0] })
        }
        self.neighbours = neighbours
        self.neighbourDistances = neighbourDistances
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
        scores.withUnsafeMutableBufferPointer { score in
            active.withUnsafeBufferPointer { isActive in
                neighbours.withUnsafeBufferPointer { order in
                    neighbourDistances.withUnsafeBufferPointer { distance in
                        for i in members {
                            var taken = 0
                            var sum = 0.0
                            var position = i * stride
                            let last = position + stride
                            // Walk the neighbours nearest first, counting only active ones, without a
                            // data-dependent branch.
                            while taken < nearest && position < last {
                                let counts = isActive[order[position]]
                                sum += counts ? distance[position] : 0
                                taken &+= counts ? 1 : 0
                                position &+= 1
                            }
                            score[i] = sum
                        }
                    }
                }
            }
        }
        return members.sorted { i, j in scores[i] < scores[j] || (scores[i] == scores[j] && i < j) }
    }

    /// ‖v_i − v_j‖² for all i, j, row-major, symmetric, with a non-number replaced by +∞.
    ///
    /// Each block of coordinates is widened to `Double` once into a scratch buffer of about 256 KB;
    /// then each vector is compared with four others at a time, so that its lanes are loaded once
    /// for four sums.
    private static func squaredDistances(_ vectors: [[Float]], dimension: Int) -> [Double] {
        typealias Lanes = SIMD4<Double>
        let width = Lanes.scalarCount
        let n = vectors.count
        var distances = [Double](repeating: 0, count: n * n)
        guard n > 1, dimension > 0 else { return distances }
        let block = max(64, min(4096, 32_768 / n / 8 * 8))
        var scratch = [Double](repeating: 0, count: n * block)
        distances.withUnsafeMutableBufferPointer { out in
            scratch.withUnsafeMutableBufferPointer { rowBuffer in
                guard let rows = rowBuffer.baseAddress else { return }
                func load(_ p: UnsafeMutablePointer<Double>) -> Lanes {
                    UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
                }
                var start = 0
                while start < dimension {
                    let count = min(block, dimension - start)
                    // Whole vectors of lanes, zero past `count` in every row so they add nothing.
                    let padded = (count + width - 1) / width * width
                    for k in 0..<n {
                        let row = rows + k * block
                        vectors[k].withUnsafeBufferPointer { source in
                            guard let from = source.baseAddress, source.count >= start + count else { return }
                            for c in 0..<count { row[c] = Double(from[start + c]) }
                        }
                        for c in count..<padded { row[c] = 0 }
                    }
                    for i in 0..<n {
                        let a = rows + i * block
                        var j = i + 1
                        while j + 4 <= n {
                            let b0 = rows + j * block
                            let b1 = b0 + block
                            let b2 = b1 + block
                            let b3 = b2 + block
                            var s0 = Lanes()
                            var s1 = Lanes()
                            var s2 = Lanes()
                            var s3 = Lanes()
                            var c = 0
                            while c < padded {
                                let x = load(a + c)
                                let d0 = x - load(b0 + c)
                                let d1 = x - load(b1 + c)
                                let d2 = x - load(b2 + c)
                                let d3 = x - load(b3 + c)
                                s0 += d0 * d0
                                s1 += d1 * d1
                                s2 += d2 * d2
                                s3 += d3 * d3
                                c &+= width
                            }
                            out[i * n + j] += s0.sum()
                            out[i * n + j + 1] += s1.sum()
                            out[i * n + j + 2] += s2.sum()
                            out[i * n + j + 3] += s3.sum()
                            j += 4
                        }
                        while j < n {
                            let b = rows + j * block
                            var s = Lanes()
                            var c = 0
                            while c < padded {
                                let d = load(a + c) - load(b + c)
                                s += d * d
                                c &+= width
                            }
                            out[i * n + j] += s.sum()
                            j += 1
                        }
                    }
                    start += count
                }
                for i in 0..<n {
                    for j in (i + 1)..<n {
                        let d = out[i * n + j].isNaN ? Double.infinity : out[i * n + j]
                        out[i * n + j] = d
                        out[j * n + i] = d
                    }
                }
            }
        }
        return distances
    }
}
