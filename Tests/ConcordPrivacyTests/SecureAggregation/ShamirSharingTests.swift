import ConcordTensor
import Testing

@testable import ConcordPrivacy

@Suite("Shamir sharing over GF(2⁶¹ − 1), the field and the neighbourhood graph")
struct ShamirSharingTests {
    @Test func fieldArithmeticMatchesIntegerArithmetic() {
        let p = MersenneField.modulus
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<1000 {
            let a = MersenneField.random(using: &generator), b = MersenneField.random(using: &generator)
            let product = a.value.multipliedFullWidth(by: b.value)
            let expected = p.dividingFullWidth((product.high % p, product.low)).remainder
            #expect((a * b).value == expected)
            #expect((a + b).value == (a.value + b.value) % p)
            #expect(((a - b) + b) == a)
            if let inverse = a.inverse { #expect(a * inverse == .one) }
        }
        #expect(MersenneField(p).value == 0)
        #expect(MersenneField.zero.inverse == nil)
    }

    @Test func anyThresholdSubsetReconstructsAndFewerCannot() throws {
        var generator = SeededGenerator(seed: 2)
        for _ in 0..<30 {
            let holders = Int.random(in: 1...20, using: &generator)
            let t = Int.random(in: 1...holders, using: &generator)
            let secret = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let points = Array(Set((0..<holders).map { _ in UInt64.random(in: 1...1_000_000, using: &generator) }))
            guard points.count >= t else { continue }
            let shares = try ShamirSharing.split(secret, threshold: t, points: points, using: &generator)
            let subset = Array(
                shares.shuffled(using: &generator).prefix(Int.random(in: t...points.count, using: &generator)))
            #expect(try ShamirSharing.reconstruct(subset, threshold: t) == secret)
            #expect(throws: SecureAggregationError.self) {
                _ = try ShamirSharing.reconstruct(Array(shares.prefix(t - 1)), threshold: t)
            }
        }
    }

    @Test func fewerThanThresholdSharesAreUniformlyUninformative() throws {
        // With t = 2 a single share is the secret plus a uniform field element: two different secrets
        // give the same distribution of first shares. Checked through the mean of many shares.
        var generator = SeededGenerator(seed: 3)
        let zero = [UInt8](repeating: 0, count: 4), ones = [UInt8](repeating: 0xFF, count: 4)
        var means: [Double] = []
        for secret in [zero, ones] {
            var total = 0.0
            for _ in 0..<4000 {
                let share = try ShamirSharing.split(secret, threshold: 2, points: [5, 9], using: &generator)[0]
                total += Double(share.limbs[0]) / Double(MersenneField.modulus)
            }
            means.append(total / 4000)
        }
        #expect(abs(means[0] - 0.5) < 0.02 && abs(means[1] - 0.5) < 0.02, "\(means)")
    }

    @Test func aDisagreeingShareIsCaught() throws {
        var generator = SeededGenerator(seed: 4)
        let secret = [UInt8](repeating: 7, count: 32)
        var shares = try ShamirSharing.split(secret, threshold: 3, points: [1, 2, 3, 4, 5], using: &generator)
        shares[4].limbs[2] ^= 1
        #expect(throws: SecureAggregationError.self) { _ = try ShamirSharing.reconstruct(shares, threshold: 3) }
        #expect(try ShamirSharing.reconstruct(Array(shares.prefix(4)), threshold: 3) == secret)
    }

    @Test func badSplitsAreRefused() {
        var generator = SeededGenerator(seed: 5)
        let secret = [UInt8](repeating: 1, count: 32)
        #expect(throws: SecureAggregationError.self) {
            _ = try ShamirSharing.split(secret, threshold: 3, points: [1, 2], using: &generator)
        }
        #expect(throws: SecureAggregationError.self) {
            _ = try ShamirSharing.split(secret, threshold: 2, points: [0, 2], using: &generator)
        }
        #expect(throws: SecureAggregationError.self) {
            _ = try ShamirSharing.split(secret, threshold: 2, points: [3, 3], using: &generator)
        }
        #expect(throws: SecureAggregationError.self) {
            _ = try ShamirSharing.split([1, 2, 3], threshold: 1, points: [1], using: &generator)
        }
    }

    @Test func hararyGraphsAreRegularAndSymmetric() throws {
        var generator = SeededGenerator(seed: 6)
        for (n, k) in [(10, 4), (11, 6), (30, 8), (7, 6), (8, 7), (5, 2)] {
            let ids = (0..<n).map { 100 + $0 }
            let graph = try HararyGraph(participants: ids, degree: k, using: &generator).neighbours
            for (u, around) in graph {
                #expect(around.count == k && !around.contains(u) && Set(around).count == k)
                for v in around { #expect(graph[v]!.contains(u)) }
            }
        }
        #expect(throws: SecureAggregationError.self) {
            _ = try HararyGraph(participants: Array(0..<10), degree: 5, using: &generator)
        }
        #expect(throws: SecureAggregationError.self) {
            _ = try HararyGraph(participants: Array(0..<10), degree: 10, using: &generator)
        }
    }
}
