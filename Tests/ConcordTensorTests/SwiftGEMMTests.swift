import ConcordTensor
import Testing

/// SplitMix64: a tiny seeded generator so every run sees the same matrices.
private struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}

/// One sgemm call: the shape of op(A)·op(B), extra leading-dimension padding, and scalars.
struct SwiftGEMMCase: Sendable, CustomTestStringConvertible {
    var m: Int, n: Int, k: Int
    var padA = 0, padB = 0, padC = 0
    var alpha: Float = 1, beta: Float = 0

    var testDescription: String {
        "\(m)×\(n)×\(k) pad(\(padA),\(padB),\(padC)) α=\(alpha) β=\(beta)"
    }
}

/// The four transposition combinations.
enum SwiftGEMMTransposition: CaseIterable, Sendable {
    case nn, tn, nt, tt
    var a: Bool { self == .tn || self == .tt }
    var b: Bool { self == .nt || self == .tt }
}

private let cases: [SwiftGEMMCase] = [
    SwiftGEMMCase(m: 1, n: 1, k: 1),
    SwiftGEMMCase(m: 6, n: 16, k: 4),  // whole micro-tiles
    SwiftGEMMCase(m: 7, n: 9, k: 5, alpha: -0.5),  // ragged edges in m and n
    SwiftGEMMCase(m: 13, n: 17, k: 3, beta: 1),  // accumulate
    SwiftGEMMCase(m: 11, n: 19, k: 23, padA: 3, padB: 5, padC: 7, alpha: -0.5, beta: 0.25),
    SwiftGEMMCase(m: 5, n: 3, k: 0, beta: 0.5),  // k = 0: C ← beta·C
    SwiftGEMMCase(m: 5, n: 3, k: 0, padC: 2),  // k = 0, beta = 0: C ← 0
    SwiftGEMMCase(m: 4, n: 6, k: 7, alpha: 0, beta: 2),  // alpha = 0: A and B unused
    SwiftGEMMCase(m: 0, n: 5, k: 3, beta: 1),
    SwiftGEMMCase(m: 5, n: 0, k: 3),
    SwiftGEMMCase(m: 10, n: 42, k: 260),  // B read in place; 2 k-slabs
    SwiftGEMMCase(m: 200, n: 30, k: 10, beta: 1),  // two row blocks, shallow k
    SwiftGEMMCase(m: 25, n: 33, k: 40, padB: 1, beta: -1),
    SwiftGEMMCase(m: 146, n: 9, k: 257, padA: 2, padC: 1, alpha: 2, beta: 1),  // row blocks and k-slabs
    SwiftGEMMCase(m: 3, n: 4_100, k: 2, padB: 3, beta: 0.5),  // several column blocks
]

/// Runs `SwiftGEMM` on `testCase` and compares with a Double reference, elementwise to
/// 1e-4 of the magnitude of the terms summed. Padding is NaN in A and B (so reading it
/// would show) and a sentinel in C (so writing it would show); with beta == 0, C starts NaN.
private func check(_ testCase: SwiftGEMMCase, _ t: SwiftGEMMTransposition, seed: UInt64 = 1) {
    let (m, n, k) = (testCase.m, testCase.n, testCase.k)
    let (alpha, beta) = (testCase.alpha, testCase.beta)
    var rng = SplitMix64(state: seed)
    // Stored shapes: A is m×k (k×m when transposed), B is k×n (n×k when transposed).
    let (aRows, aCols) = t.a ? (k, m) : (m, k)
    let (bRows, bCols) = t.b ? (n, k) : (k, n)
    let lda = aCols + testCase.padA, ldb = bCols + testCase.padB, ldc = n + testCase.padC
    func matrix(rows: Int, cols: Int, ld: Int, pad: Float, fill: () -> Float) -> [Float] {
        var storage = [Float](repeating: pad, count: max(1, rows * ld))
        for i in 0..<rows { for j in 0..<cols { storage[i * ld + j] = fill() } }
        return storage
    }
    let a = matrix(rows: aRows, cols: aCols, ld: lda, pad: .nan) { rng.nextFloat() }
    let b = matrix(rows: bRows, cols: bCols, ld: ldb, pad: .nan) { rng.nextFloat() }
    let sentinel: Float = 12345
    let c0 = matrix(rows: m, cols: n, ld: ldc, pad: sentinel) { beta == 0 ? .nan : rng.nextFloat() }

    var c = c0
    a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                guard let ap = ap.baseAddress, let bp = bp.baseAddress, let cp = cp.baseAddress
                else { return }
                SwiftGEMM().sgemm(
                    transA: t.a, transB: t.b, m: m, n: n, k: k,
                    alpha: alpha, a: ap, lda: lda, b: bp, ldb: ldb,
                    beta: beta, c: cp, ldc: ldc)
            }
        }
    }

    var failures = 0
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0, magnitude = 0.0
            for p in 0..<k where alpha != 0 {
                let x = Double(t.a ? a[p * lda + i] : a[i * lda + p])
                let y = Double(t.b ? b[j * ldb + p] : b[p * ldb + j])
                sum += x * y
                magnitude += abs(x * y)
            }
            let old = beta == 0 ? 0 : Double(c0[i * ldc + j])
            let expected = Double(alpha) * sum + Double(beta) * old
            let tolerance = 1e-4 * (abs(Double(alpha)) * magnitude + abs(Double(beta) * old)) + 1e-6
            let actual = Double(c[i * ldc + j])
            if !(abs(actual - expected) <= tolerance) {
                failures += 1
                if failures <= 3 { Issue.record("C[\(i), \(j)] = \(actual), expected \(expected)") }
            }
        }
        for j in n..<ldc {
            #expect(c[i * ldc + j] == sentinel, "padding of C row \(i) was written")
        }
    }
    #expect(failures == 0)
}

@Suite("SwiftGEMM")
struct SwiftGEMMTests {
    @Test("matches a Double reference", arguments: cases, SwiftGEMMTransposition.allCases)
    func matchesReference(_ testCase: SwiftGEMMCase, _ t: SwiftGEMMTransposition) {
        check(testCase, t)
    }

    @Test("random shapes", arguments: 0..<24)
    func randomShapes(_ seed: Int) {
        var rng = SplitMix64(state: 0xC0FFEE &+ UInt64(seed))
        func dim(_ limit: UInt64) -> Int { Int(rng.next() % limit) }
        let scalars: [Float] = [0, 1, -0.5, 0.75]
        let testCase = SwiftGEMMCase(
            m: 1 + dim(40), n: 1 + dim(40), k: 1 + dim(40),
            padA: dim(3), padB: dim(3), padC: dim(3),
            alpha: scalars[1 + dim(3)], beta: scalars[dim(4)])
        check(testCase, SwiftGEMMTransposition.allCases[seed % 4], seed: UInt64(seed))
    }

    @Test func reportsItsName() {
        #expect(SwiftGEMM().name == "Swift (portable)")
    }

    @Test("concurrent calls do not interfere")
    func concurrentCalls() async {
        await withTaskGroup(of: Void.self) { group in
            for seed in UInt64(0)..<4 {
                group.addTask { check(SwiftGEMMCase(m: 30, n: 21, k: 50, beta: 1), .nt, seed: seed) }
            }
        }
    }
}
