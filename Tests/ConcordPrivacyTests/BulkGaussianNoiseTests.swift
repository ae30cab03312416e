import ConcordPrivacy
import ConcordTensor
import Foundation
import Testing

@Suite("Bulk Gaussian noise: Box–Muller over random words, checked against the normal distribution")
struct BulkGaussianNoiseTests {
    /// Standard normals from noising zeros with σ = 1.
    static func draws<Source>(_ noise: inout BulkGaussianNoise<Source>, count: Int) -> [Double] {
        var v = [Float](repeating: 0, count: count)
        v.withUnsafeMutableBufferPointer { noise.add(standardDeviation: 1, to: $0) }
        return v.map(Double.init)
    }

    /// The Kolmogorov–Smirnov statistic D = sup |F̂(x) − Φ(x)| of `sample` against the standard normal CDF.
    static func kolmogorovSmirnov(_ sample: [Double]) -> Double {
        let sorted = sample.sorted()
        let n = Double(sorted.count)
        var worst = 0.0
        for (i, x) in sorted.enumerated() {
            let phi = 0.5 * erfc(-x / 2.0.squareRoot())
            worst = max(worst, abs(phi - Double(i) / n), abs(Double(i + 1) / n - phi))
        }
        return worst
    }

    /// The KS critical value at the 1% level, 1.628/√n (Smirnov's asymptotic distribution).
    static func criticalValue(_ n: Int) -> Double { 1.628 / Double(n).squareRoot() }

    @Test func aHundredThousandDrawsPassAKolmogorovSmirnovTestAgainstTheNormalCDF() {
        var noise = BulkGaussianNoise(source: SeededGenerator(seed: 1))
        let sample = Self.draws(&noise, count: 100_000)
        let d = Self.kolmogorovSmirnov(sample)
        #expect(d < Self.criticalValue(sample.count), "D = \(d), critical \(Self.criticalValue(sample.count))")
    }

    /// The test has power: a logistic distribution with the normal's mean and variance (so the moment checks of
    /// ``GaussianNoiseTests`` up to the kurtosis would be needed to tell them apart) fails it by a wide margin.
    @Test func theKolmogorovSmirnovTestRejectsALogisticSampleOfTheSameVariance() {
        var g = SeededGenerator(seed: 2)
        let scale = 3.0.squareRoot() / Double.pi
        let sample = (0..<100_000).map { _ -> Double in
            let u = (Double(g.next() >> 11) + 0.5) * 0x1p-53
            return scale * Foundation.log(u / (1 - u))
        }
        let d = Self.kolmogorovSmirnov(sample)
        #expect(d > 2 * Self.criticalValue(sample.count), "D = \(d)")
    }

    /// Mean, variance, kurtosis and both tails of 200,000 draws, each to five or more standard errors.
    @Test func momentsAndTailsAreThoseOfTheStandardNormal() {
        var noise = BulkGaussianNoise(source: SeededGenerator(seed: 3))
        let sample = Self.draws(&noise, count: 200_000)
        let n = Double(sample.count)
        let mean = sample.reduce(0, +) / n
        let m2 = sample.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let m4 = sample.reduce(0) { $0 + pow($1 - mean, 4) } / n
        #expect(abs(mean) < 5 / n.squareRoot(), "mean \(mean)")
        #expect(abs(m2 - 1) < 5 * 2.0.squareRoot() / n.squareRoot(), "variance \(m2)")
        #expect(abs(m4 / (m2 * m2) - 3) < 5 * 24.0.squareRoot() / n.squareRoot(), "kurtosis \(m4 / (m2 * m2))")
        // P(|z| > 2) = 0.045500, P(|z| > 3) = 0.0026998, P(|z| > 4) = 6.334e-5; each side separately too.
        for (threshold, probability) in [(2.0, 0.045_500), (3.0, 0.002_699_8), (4.0, 6.334e-5)] {
            let beyond = Double(sample.filter { abs($0) > threshold }.count) / n
            let standardError = (probability * (1 - probability) / n).squareRoot()
            #expect(abs(beyond - probability) < 5 * standardError, "P(|z| > \(threshold)) = \(beyond)")
            let above = Double(sample.filter { $0 > threshold }.count) / n
            #expect(abs(above - probability / 2) < 5 * (probability / 2 / n).squareRoot(), "P(z > \(threshold))")
        }
        #expect(sample.allSatisfy { abs($0) < 7.6 }, "|z| ≤ √(82 ln 2) by construction")
    }

    /// The two normals of a pair (r·cos θ and r·sin θ, 16 values apart) and neighbouring values are uncorrelated,
    /// and so are the squares of a pair's two normals (they are independent, not just uncorrelated).
    @Test func theTwoNormalsOfAPairAndNeighboursAreUncorrelated() {
        var noise = BulkGaussianNoise(source: SeededGenerator(seed: 4))
        let sample = Self.draws(&noise, count: 320_000)
        func correlation(_ pairs: [(Double, Double)]) -> Double {
            let n = Double(pairs.count)
            let mx = pairs.reduce(0) { $0 + $1.0 } / n, my = pairs.reduce(0) { $0 + $1.1 } / n
            var sxy = 0.0, sxx = 0.0, syy = 0.0
            for (x, y) in pairs {
                sxy += (x - mx) * (y - my)
                sxx += (x - mx) * (x - mx)
                syy += (y - my) * (y - my)
            }
            return sxy / (sxx * syy).squareRoot()
        }
        var partners: [(Double, Double)] = [], neighbours: [(Double, Double)] = []
        for block in stride(from: 0, to: sample.count, by: 32) {
            for i in 0..<16 { partners.append((sample[block + i], sample[block + 16 + i])) }
            for i in 0..<31 { neighbours.append((sample[block + i], sample[block + i + 1])) }
        }
        let bound = 5 / Double(partners.count).squareRoot()
        #expect(abs(correlation(partners)) < bound)
        #expect(abs(correlation(partners.map { ($0.0 * $0.0, $0.1 * $0.1) })) < bound)
        #expect(abs(correlation(neighbours)) < 5 / Double(neighbours.count).squareRoot())
    }

    @Test(arguments: [1, 15, 31, 32, 33, 100, 8_193, 70_001])
    func everyValueOfABufferOfAnyLengthGetsItsOwnNoise(count: Int) {
        var noise = BulkGaussianNoise(source: SeededGenerator(seed: 5))
        var v = [Float](repeating: 10, count: count)
        v.withUnsafeMutableBufferPointer { noise.add(standardDeviation: 0.5, to: $0) }
        #expect(v.allSatisfy { $0 != 10 && $0.isFinite && abs($0 - 10) < 4 })
        // Near 0 a Float has room for every draw: a few coincidences at most (about one in 70,001 draws), not the
        // repeated blocks of a buffer used before it is filled.
        var w = [Float](repeating: 0, count: count)
        w.withUnsafeMutableBufferPointer { noise.add(standardDeviation: 0.5, to: $0) }
        #expect(Set(w).count >= count - count / 1000, "\(count - Set(w).count) values repeat")
    }

    @Test func successiveCallsContinueTheStreamAndSplitBuffersDrawFreshNoise() {
        var whole = BulkGaussianNoise(source: SeededGenerator(seed: 6))
        var parts = BulkGaussianNoise(source: SeededGenerator(seed: 6))
        var a = [Float](repeating: 0, count: 64), b = [Float](repeating: 0, count: 64)
        a.withUnsafeMutableBufferPointer { whole.add(standardDeviation: 1, to: $0) }
        b.withUnsafeMutableBufferPointer {
            parts.add(standardDeviation: 1, to: UnsafeMutableBufferPointer(rebasing: $0[0..<32]))
        }
        b.withUnsafeMutableBufferPointer {
            parts.add(standardDeviation: 1, to: UnsafeMutableBufferPointer(rebasing: $0[32..<64]))
        }
        #expect(a == b, "blocks of 32 are drawn in order whether asked for at once or in parts")
        var again = [Float](repeating: 0, count: 64)
        again.withUnsafeMutableBufferPointer { whole.add(standardDeviation: 1, to: $0) }
        #expect(again != a)
    }

    @Test func zeroSigmaAddsAndDrawsNothingTheSignDoesNotMatterAndNaNIsConspicuous() {
        var one = BulkGaussianNoise(source: SeededGenerator(seed: 7))
        var two = BulkGaussianNoise(source: SeededGenerator(seed: 7))
        var v: [Float] = [1, 2, 3]
        v.withUnsafeMutableBufferPointer { one.add(standardDeviation: 0, to: $0) }
        #expect(v == [1, 2, 3])
        var x = [Float](repeating: 0, count: 40), y = [Float](repeating: 0, count: 40)
        x.withUnsafeMutableBufferPointer { one.add(standardDeviation: 2, to: $0) }
        y.withUnsafeMutableBufferPointer { two.add(standardDeviation: -2, to: $0) }
        #expect(x == y, "σ = 0 drew nothing, and −σ is σ")
        var z = [Float](repeating: 0, count: 5)
        z.withUnsafeMutableBufferPointer { one.add(standardDeviation: .nan, to: $0) }
        #expect(z.allSatisfy { $0.isNaN })
    }

    /// The production noise, from the AES-CTR keystream: not reproducible, so only checked with margins of eight
    /// standard errors (a false failure is rarer than one in 10¹⁴), over more than one keystream refill.
    @Test func productionNoiseFromTheKeystreamIsStandardNormal() {
        var noise = BulkGaussianNoise(source: KeystreamRandom())
        let sample = Self.draws(&noise, count: 100_000)
        let n = Double(sample.count)
        let mean = sample.reduce(0, +) / n
        let variance = sample.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        #expect(abs(mean) < 8 / n.squareRoot())
        #expect(abs(variance - 1) < 8 * 2.0.squareRoot() / n.squareRoot())
        #expect(Self.kolmogorovSmirnov(sample) < 2.5 * Self.criticalValue(sample.count))
        var other = BulkGaussianNoise(source: KeystreamRandom())
        #expect(Self.draws(&other, count: 32) != Array(sample[0..<32]), "each instance has its own key")
    }

    @Test func theKeystreamFillsBuffersInOrderAcrossRefills() {
        var stream = KeystreamRandom()
        var words = [UInt64](repeating: 0, count: 20_000)
        words.withUnsafeMutableBufferPointer { stream.fill(UnsafeMutableBufferPointer(rebasing: $0[0..<7])) }
        words.withUnsafeMutableBufferPointer { stream.fill(UnsafeMutableBufferPointer(rebasing: $0[7..<19_000])) }
        for i in 19_000..<20_000 { words[i] = stream.next() }
        #expect(Set(words).count == words.count, "no word repeats across the 8,192-word refills")
        let ones = words.reduce(0) { $0 + $1.nonzeroBitCount }
        #expect(abs(Double(ones) / Double(words.count * 64) - 0.5) < 0.003)
    }
}
