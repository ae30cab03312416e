import ConcordFederation
import ConcordTensor
import Foundation
import Testing

@Suite("Robust aggregators: median, trimmed mean, Krum, Multi-Krum, Bulyan")
struct RobustAggregatorTests {
    /// Aggregates with unit weights.
    func run(_ aggregator: some UpdateAggregator, _ vectors: [[Float]]) throws -> [Float] {
        try aggregator.aggregate(vectors, weights: [Double](repeating: 1, count: vectors.count))
    }

    /// The per-coordinate mean of the sorted values of rank lower..<upper, the slow way.
    func referenceMiddleMean(_ vectors: [[Float]], lower: Int, upper: Int) -> [Float] {
        var column = [Float](repeating: 0, count: vectors.count)
        return (0..<vectors[0].count).map { c in
            for k in vectors.indices { column[k] = vectors[k][c] }
            column.sort()
            var sum = 0.0
            for r in lower..<upper { sum += Double(column[r]) }
            return Float(sum / Double(upper - lower))
        }
    }

    /// The per-coordinate mean, in Double, in index order.
    func plainMean(_ vectors: [[Float]]) -> [Float] {
        (0..<vectors[0].count).map { c in
            Float(vectors.reduce(0.0) { $0 + Double($1[c]) } / Double(vectors.count))
        }
    }

    /// `count` vectors of `dimension` values uniform in `range`.
    func randomVectors(_ count: Int, _ dimension: Int, in range: ClosedRange<Float>, seed: UInt64) -> [[Float]] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in (0..<dimension).map { _ in Float.random(in: range, using: &generator) } }
    }

    func expectClose(
        _ a: [Float], _ b: [Float], tolerance: Float = 1e-4, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) where abs(x - y) > tolerance * max(1, abs(y)) {
            Issue.record("\(x) differs from \(y)", sourceLocation: sourceLocation)
            return
        }
    }

    // MARK: Names and coding

    @Test func namesAndFlags() throws {
        #expect(CoordinateMedian().name == "median")
        #expect(TrimmedMean(beta: 0.2).name == "trimmed-mean(β=0.2)")
        #expect(Krum(f: 2).name == "krum(f=2)")
        #expect(Krum(f: 2, m: 5).name == "multi-krum(f=2,m=5)")
        #expect(Bulyan(f: 2).name == "bulyan(f=2)")
        let all: [any UpdateAggregator] = [CoordinateMedian(), TrimmedMean(beta: 0.2), Krum(f: 2), Bulyan(f: 2)]
        #expect(all.allSatisfy { !$0.isWeightedSum })
        let krum = Krum(f: 3, m: 4)
        #expect(try JSONDecoder().decode(Krum.self, from: JSONEncoder().encode(krum)) == krum)
        let trimmed = TrimmedMean(beta: 0.1)
        #expect(try JSONDecoder().decode(TrimmedMean.self, from: JSONEncoder().encode(trimmed)) == trimmed)
    }

    // MARK: Median

    @Test func medianOfOddAndEvenCounts() throws {
        #expect(try run(CoordinateMedian(), [[1, 5], [3, -2], [2, 7]]) == [2, 5])
        // Sorted: 1 2 4 8 → (2 + 4) / 2; 0 2 6 10 → (2 + 6) / 2.
        #expect(try run(CoordinateMedian(), [[1, 10], [4, 0], [2, 6], [8, 2]]) == [3, 4])
        #expect(try run(CoordinateMedian(), [[7, -1]]) == [7, -1])
        #expect(try run(CoordinateMedian(), [[1, 2], [3, 6]]) == [2, 4])
    }

    @Test func medianWithTies() throws {
        #expect(try run(CoordinateMedian(), [[1], [1], [2], [1]]) == [1])
        #expect(try run(CoordinateMedian(), [[5], [5], [5]]) == [5])
        #expect(try run(CoordinateMedian(), [[0], [9], [9], [0]]) == [4.5])
    }

    @Test func medianAndTrimmedMeanMatchSortingOnLargerInputs() throws {
        // Counts above the insertion-sort limit, many ties, and a length spanning several blocks.
        for n in [17, 30, 65] {
            var generator = SeededGenerator(seed: UInt64(n))
            let vectors: [[Float]] = (0..<n).map { _ in
                (0..<300).map { _ in Float(Int.random(in: -4...4, using: &generator)) / 2 }
            }
            let t = (n - 1) / 2
            #expect(try run(CoordinateMedian(), vectors) == referenceMiddleMean(vectors, lower: t, upper: n - t))
            let trimmed = TrimmedMean(beta: 0.2)
            let k = trimmed.trimCount(vectorCount: n)
            expectClose(
                try run(trimmed, vectors), referenceMiddleMean(vectors, lower: k, upper: n - k), tolerance: 1e-6)
        }
    }

    @Test func everyCountMatchesSorting() throws {
        // Selection networks for every n up to 40, and quickselect beyond 1,024 vectors.
        for n in Array(1...40) + [1030] {
            var generator = SeededGenerator(seed: UInt64(100 + n))
            let vectors: [[Float]] = (0..<n).map { _ in
                (0..<(n > 40 ? 5 : 21)).map { _ in Float(Int.random(in: -9...9, using: &generator)) }
            }
            let t = (n - 1) / 2
            #expect(
                try run(CoordinateMedian(), vectors) == referenceMiddleMean(vectors, lower: t, upper: n - t), "n = \(n)"
            )
            let trimmed = TrimmedMean(beta: 0.3)
            let k = trimmed.trimCount(vectorCount: n)
            expectClose(
                try run(trimmed, vectors), referenceMiddleMean(vectors, lower: k, upper: n - k), tolerance: 1e-6)
        }
    }

    // MARK: Trimmed mean

    @Test func trimmedMeanByHand() throws {
        // n = 5, β = 0.2: drop one from each end.
        let result = try run(TrimmedMean(beta: 0.2), [[1, -50], [2, 0], [3, 0], [4, 1], [100, 2]])
        expectClose(result, [3, 1.0 / 3])
        // β = 0.25, n = 4: one from each end, the two middle values remain.
        #expect(try run(TrimmedMean(beta: 0.25), [[1], [10], [4], [2]]) == [3])
        // ⌊0.1 · 5⌋ = 0 and β = 0: the plain mean.
        #expect(try run(TrimmedMean(beta: 0.1), [[1], [2], [3], [4], [100]]) == [22])
        #expect(try run(TrimmedMean(beta: 0), [[1], [2], [6]]) == [3])
        // Ties: 2 2 2 2 9 9 with one dropped each end → (2 + 2 + 2 + 9) / 4.
        #expect(try run(TrimmedMean(beta: 0.2), [[9], [2], [2], [9], [2], [2]]) == [3.75])
        #expect(TrimmedMean(beta: 0.29).trimCount(vectorCount: 100) == 29)
        #expect(TrimmedMean(beta: 0.2).trimCount(vectorCount: 30) == 6)
    }

    // MARK: Krum and Multi-Krum

    @Test func krumByHand() throws {
        // n = 5, f = 1: scores sum the 2 nearest squared distances.
        // 0 → 1 + 9 = 10; 1 → 1 + 4 = 5; 3 → 4 + 9 = 13; 10 → 1 + 49 = 50; 11 → 1 + 64 = 65.
        let vectors: [[Float]] = [[0], [1], [3], [10], [11]]
        #expect(try run(Krum(f: 1), vectors) == [1])
        #expect(try run(Krum(f: 1, m: 2), vectors) == [0.5])
        expectClose(try run(Krum(f: 1, m: 3), vectors), [4.0 / 3])
        #expect(try run(Krum(f: 1, m: 5), vectors) == [5])
    }

    @Test func krumBreaksTiesByLowerIndex() throws {
        // f = 0, n = 3: each score is the distance to the nearest other vector, 4 for all three.
        #expect(try run(Krum(f: 0), [[0, 0], [2, 0], [4, 0]]) == [0, 0])
        #expect(try run(Krum(f: 0), [[4, 0], [2, 0], [0, 0]]) == [4, 0])
        // Identical vectors tie at score 0.
        #expect(try run(Krum(f: 0, m: 2), [[1], [1], [1], [7]]) == [1])
    }

    @Test func krumPicksAnHonestVector() throws {
        var vectors = randomVectors(5, 50, in: 0.9...1.1, seed: 7)
        let byzantine: [Float] = (0..<50).map { $0 % 2 == 0 ? 100 : -100 }
        vectors.insert(byzantine, at: 0)
        vectors.insert(byzantine.map { -$0 }, at: 3)
        let result = try run(Krum(f: 2), vectors)
        #expect(vectors.enumerated().contains { $0.offset != 0 && $0.offset != 3 && $0.element == result })
        let multi = try run(Krum(f: 2, m: 3), vectors)
        #expect(multi.allSatisfy { (0.9...1.1).contains($0) })
    }

    @Test func multiKrumOfAllWithoutByzantineIsThePlainMean() throws {
        let vectors = randomVectors(6, 40, in: -3...3, seed: 11)
        #expect(try run(Krum(f: 0, m: 6), vectors) == plainMean(vectors))
    }

    /// ‖v_i − v_j‖² in Double, the slow way.
    func referenceDistances(_ vectors: [[Float]]) -> [[Double]] {
        var distances = [[Double]](repeating: [Double](repeating: 0, count: vectors.count), count: vectors.count)
        for i in vectors.indices {
            for j in vectors.indices where j > i {
                var sum = 0.0
                for c in vectors[i].indices {
                    let d = Double(vectors[i][c]) - Double(vectors[j][c])
                    sum += d * d
                }
                distances[i][j] = sum
                distances[j][i] = sum
            }
        }
        return distances
    }

    /// The vectors `among` in ascending order of Krum score, ties by index, the slow way.
    func referenceKrumOrder(_ distances: [[Double]], among: [Int], f: Int) -> [Int] {
        let nearest = max(0, among.count - f - 2)
        let scores = among.map { i in
            among.filter { $0 != i }.map { distances[i][$0] }.sorted().prefix(nearest).reduce(0, +)
        }
        return among.indices.sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }.map {
            among[$0]
        }
    }

    @Test func multiKrumMatchesAReferenceAcrossCoordinateBlocks() throws {
        // 9 vectors of 5,003 values: several distance blocks and a partial last one.
        let vectors = randomVectors(9, 5_003, in: -1...1, seed: 21)
        let order = referenceKrumOrder(referenceDistances(vectors), among: Array(0..<9), f: 2)
        let chosen = order.prefix(4).sorted()
        expectClose(try run(Krum(f: 2, m: 4), vectors), plainMean(chosen.map { vectors[$0] }), tolerance: 1e-6)
        #expect(try run(Krum(f: 2), vectors) == vectors[order[0]])
    }

    // MARK: Bulyan

    @Test func bulyanSelectionByHand() throws {
        // n = 7, f = 1: θ = 5 selected by repeated Krum, then the middle β = 3 per coordinate.
        // r = 7 (4 nearest): 0 → 1+4+9+49 = 63, 1 → 42, 2 → 4+1+1+25 = 31, 3 → 9+4+1+16 = 30: take 3.
        // r = 6 (3 nearest): 0 → 54, 1 → 38, 2 → 4+1+25 = 30: take 2.
        // r = 5 (2 nearest): 0 → 1+49 = 50, 1 → 1+36 = 37: take 1.
        // r = 4 (1 nearest): 0 → 49, 7 → 49 (tie, lower index), 20 → 169: take 0.
        // r = 3 (0 nearest): all score 0: take 7, the lowest index left.
        // Selected {0, 1, 2, 3, 7}: the middle three average to 2 (their plain mean would be 2.6).
        let vectors: [[Float]] = [[0], [1], [2], [3], [7], [20], [-30]]
        #expect(try run(Bulyan(f: 1), vectors) == [2])
        // f = 0: everything is selected and nothing trimmed.
        #expect(try run(Bulyan(f: 0), [[1, 0], [2, 4], [6, 8]]) == [3, 4])
    }

    @Test func bulyanMatchesAReference() throws {
        for (n, f, seed) in [(11, 2, UInt64(31)), (15, 3, 32), (7, 1, 33), (5, 0, 34)] {
            let vectors = randomVectors(n, 9, in: -5...5, seed: seed)
            let distances = referenceDistances(vectors)
            var remaining = Array(0..<n)
            var selected: [Int] = []
            while selected.count < n - 2 * f {
                let winner = referenceKrumOrder(distances, among: remaining, f: f)[0]
                selected.append(winner)
                remaining.removeAll { $0 == winner }
            }
            let θ = selected.count
            let expected = referenceMiddleMean(selected.map { vectors[$0] }, lower: f, upper: θ - f)
            expectClose(try run(Bulyan(f: f), vectors), expected, tolerance: 1e-6)
        }
    }

    // MARK: Byzantine robustness and translation equivariance

    @Test func robustStatisticsStayInTheHonestRangeWhileTheMeanDoesNot() throws {
        let n = 11
        let f = 2
        let d = 64
        var vectors = randomVectors(n - f, d, in: -1...1, seed: 3)
        vectors.insert([Float](repeating: 1e6, count: d), at: 0)
        vectors.insert((0..<d).map { $0 % 2 == 0 ? -1e6 : 1e6 }, at: 5)
        let honest = vectors.enumerated().filter { $0.offset != 0 && $0.offset != 5 }.map(\.element)
        let low = (0..<d).map { c in honest.map { $0[c] }.min() ?? 0 }
        let high = (0..<d).map { c in honest.map { $0[c] }.max() ?? 0 }
        func inHonestRange(_ result: [Float]) -> Bool {
            result.indices.allSatisfy { low[$0] <= result[$0] && result[$0] <= high[$0] }
        }
        let aggregators: [any UpdateAggregator] = [
            CoordinateMedian(), TrimmedMean(beta: 0.2), Krum(f: f), Krum(f: f, m: 4), Bulyan(f: f),
        ]
        for aggregator in aggregators {
            #expect(inHonestRange(try run(aggregator, vectors)), "\(aggregator.name)")
        }
        #expect(!inHonestRange(plainMean(vectors)))
        #expect(!inHonestRange(try run(TrimmedMean(beta: 0), vectors)))
    }

    @Test func everyAggregatorIsTranslationEquivariant() throws {
        // Quarter-integer data and shift keep v + c exact in Float, so Krum's choices cannot change.
        var generator = SeededGenerator(seed: 5)
        let vectors: [[Float]] = (0..<11).map { _ in
            (0..<300).map { _ in Float(Int.random(in: -40...40, using: &generator)) / 4 }
        }
        let shift: [Float] = (0..<300).map { Float($0 % 7) * 0.25 - 512 }
        let shifted = vectors.map { v in zip(v, shift).map { $0 + $1 } }
        let aggregators: [any UpdateAggregator] = [
            CoordinateMedian(), TrimmedMean(beta: 0.2), Krum(f: 2), Krum(f: 2, m: 3), Bulyan(f: 2),
        ]
        for aggregator in aggregators {
            let expected = zip(try run(aggregator, vectors), shift).map { $0 + $1 }
            expectClose(try run(aggregator, shifted), expected, tolerance: 1e-6)
        }
    }

    // MARK: Errors and hostile inputs

    func message(_ body: () throws -> [Float]) -> String? {
        do {
            _ = try body()
            return nil
        } catch let FederationError.invalidConfiguration(detail) {
            return detail
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func invalidInputsThrowActionableErrors() throws {
        let aggregators: [any UpdateAggregator] = [
            CoordinateMedian(), TrimmedMean(beta: 0.2), Krum(f: 0), Bulyan(f: 0),
        ]
        for aggregator in aggregators {
            #expect(message { try run(aggregator, []) }?.contains("no vectors") == true, "\(aggregator.name)")
            #expect(
                message { try run(aggregator, [[1, 2], [3, 4], [5]]) }?.contains("vector 2 has 1 values") == true,
                "\(aggregator.name)")
            #expect(
                message { try aggregator.aggregate([[1], [2], [3]], weights: [1, 1]) }?
                    .contains("2 weights for 3 vectors") == true, "\(aggregator.name)")
        }
        let krum = message { try run(Krum(f: 2), [[Float]](repeating: [1], count: 6)) }
        #expect(krum?.contains("n = 6") == true && krum?.contains("f = 2") == true && krum?.contains("2f + 3") == true)
        let multi = message { try run(Krum(f: 1, m: 6), [[Float]](repeating: [1], count: 5)) }
        #expect(multi?.contains("m = 6") == true && multi?.contains("n = 5") == true)
        #expect(message { try run(Krum(f: 0, m: 0), [[1], [2], [3]]) }?.contains("m = 0") == true)
        #expect(message { try run(Krum(f: -1), [[1], [2], [3]]) }?.contains("f = -1") == true)
        #expect(message { try run(Krum(f: Int.max), [[1], [2], [3]]) } != nil)
        #expect(message { try run(Krum(f: 0), [[1], [2]]) }?.contains("n = 2") == true)
        #expect(message { try run(Bulyan(f: 1), [[Float]](repeating: [1], count: 6)) }?.contains("4f + 3") == true)
        #expect(message { try run(Bulyan(f: -1), [[1], [2], [3]]) }?.contains("f = -1") == true)
        #expect(message { try run(Bulyan(f: Int.max), [[1], [2], [3]]) } != nil)
        for beta in [-0.1, 0.5, 0.7, .nan, .infinity] {
            #expect(message { try run(TrimmedMean(beta: beta), [[1], [2], [3]]) }?.contains("[0, 0.5)") == true)
        }
    }

    @Test func unorderedValuesNeitherTrapNorHang() throws {
        var vectors = randomVectors(40, 70, in: -1...1, seed: 9)
        for k in stride(from: 0, to: 40, by: 3) { vectors[k][k] = .nan }
        vectors[1] = [Float](repeating: .nan, count: 70)
        vectors[2] = [Float](repeating: .infinity, count: 70)
        vectors[4] = [Float](repeating: -.infinity, count: 70)
        vectors[6] = [Float](repeating: .greatestFiniteMagnitude, count: 70)
        let aggregators: [any UpdateAggregator] = [
            CoordinateMedian(), TrimmedMean(beta: 0.2), Krum(f: 5), Krum(f: 5, m: 10), Bulyan(f: 5),
        ]
        for aggregator in aggregators {
            #expect(try run(aggregator, vectors).count == 70)
        }
        #expect(try run(Krum(f: 0), [[.nan], [.nan], [1]]).count == 1)
    }

    @Test func emptyVectorsAggregateToEmpty() throws {
        let aggregators: [any UpdateAggregator] = [
            CoordinateMedian(), TrimmedMean(beta: 0.2), Krum(f: 0), Bulyan(f: 0),
        ]
        for aggregator in aggregators {
            #expect(try run(aggregator, [[], [], []]) == [])
        }
    }
}
