import ConcordPrivacy
import ConcordTensor
import Testing

@Suite("Gaussian noise: the configured spread, a secure default source, reproducible test sources")
struct GaussianNoiseTests {
    /// Sample moments of `v`, in Double.
    struct Moments {
        var mean = 0.0, standardDeviation = 0.0, kurtosis = 0.0, withinOneDeviation = 0.0

        init(_ v: [Float]) {
            let n = Double(v.count)
            mean = v.reduce(0.0) { $0 + Double($1) } / n
            var m2 = 0.0, m4 = 0.0
            for x in v {
                let d = Double(x) - mean
                m2 += d * d
                m4 += d * d * d * d
            }
            m2 /= n
            m4 /= n
            standardDeviation = m2.squareRoot()
            kurtosis = m4 / (m2 * m2)
            let inside = v.filter { abs(Double($0) - mean) <= standardDeviation }.count
            withinOneDeviation = Double(inside) / n
        }
    }

    /// Checks 200,000 noised zeros against N(0, σ²) with margins of five or more standard errors:
    /// σ to 1% (standard error 0.16%), the mean to 5σ/√n, the kurtosis to 3 ± 0.06 (standard error
    /// 0.011) and the mass within one deviation to 0.6827 ± 0.005 (standard error 0.001).
    func expectGaussian<Source>(_ noise: inout GaussianNoise<Source>, sigma: Double) {
        let count = 200_000
        var v = [Float](repeating: 0, count: count)
        noise.add(standardDeviation: sigma, to: &v)
        let moments = Moments(v)
        #expect(abs(moments.standardDeviation / sigma - 1) < 0.01, "ŝ = \(moments.standardDeviation)")
        #expect(abs(moments.mean) < 5 * sigma / Double(count).squareRoot(), "mean \(moments.mean)")
        #expect(abs(moments.kurtosis - 3) < 0.06, "kurtosis \(moments.kurtosis)")
        #expect(abs(moments.withinOneDeviation - 0.682_689) < 0.005, "\(moments.withinOneDeviation) within 1σ")
    }

    @Test func seededNoiseHasTheConfiguredStandardDeviation() {
        var noise = GaussianNoise(source: SeededGenerator(seed: 42))
        expectGaussian(&noise, sigma: 2.5)
    }

    @Test func productionNoiseHasTheConfiguredStandardDeviation() {
        var noise = SecureGaussianNoise()
        expectGaussian(&noise, sigma: 0.3)
    }

    @Test func theDefaultSourceIsTheSystemGeneratorWithNoSeed() {
        var first = GaussianNoise()
        var second = GaussianNoise()
        #expect(String(describing: type(of: first)) == "GaussianNoise<SystemRandomBuffer>")
        let a = first.standardNormal(), b = first.standardNormal(), c = second.standardNormal()
        #expect(a != b)
        #expect(a != c, "two fresh unseeded sources start differently")
    }

    @Test func theSystemBufferGivesFreshUniformWordsAcrossRefills() {
        var first = SystemRandomBuffer(), second = SystemRandomBuffer()
        let a = (0..<20_000).map { _ in first.next() }, b = (0..<20_000).map { _ in second.next() }
        #expect(Set(a).count == a.count, "no word repeats, also across the 8,192-word refills")
        #expect(a != b)
        let ones = a.reduce(0) { $0 + $1.nonzeroBitCount }
        let fraction = Double(ones) / Double(a.count * 64)
        #expect(abs(fraction - 0.5) < 0.005, "bits are fair: \(fraction)")
    }

    @Test func aSeededSourceIsReproducible() {
        var one = GaussianNoise(source: SeededGenerator(seed: 5))
        var two = GaussianNoise(source: SeededGenerator(seed: 5))
        var other = GaussianNoise(source: SeededGenerator(seed: 6))
        let first = (0..<101).map { _ in one.standardNormal() }
        #expect(first == (0..<101).map { _ in two.standardNormal() })
        #expect(first != (0..<101).map { _ in other.standardNormal() })
    }

    @Test func drawsCarryDoublePrecision() {
        // Uniforms with 53 bits give normals that are almost never exactly a Float; Float-precision
        // uniforms would make every draw's low bits structured.
        var noise = GaussianNoise(source: SeededGenerator(seed: 3))
        let draws = (0..<1000).map { _ in noise.standardNormal() }
        #expect(draws.filter { Double(Float($0)) == $0 }.count < 5)
    }

    @Test func theSignOfSigmaDoesNotMatterAndZeroAddsNothing() {
        var positive = GaussianNoise(source: SeededGenerator(seed: 8))
        var negative = GaussianNoise(source: SeededGenerator(seed: 8))
        #expect(positive.sample(standardDeviation: 2) == negative.sample(standardDeviation: -2))

        var v: [Float] = [1, 2, 3]
        positive.add(standardDeviation: 0, to: &v)
        #expect(v == [1, 2, 3])
        #expect(positive.sample(standardDeviation: 0) == 0)
        #expect(positive.sample(standardDeviation: .nan).isNaN)
    }

    @Test func noiseIsAddedToTheExistingValues() {
        var noise = GaussianNoise(source: SeededGenerator(seed: 11))
        var v = [Float](repeating: 100, count: 50_000)
        noise.add(standardDeviation: 1, to: &v)
        let moments = Moments(v)
        #expect(abs(moments.mean - 100) < 0.03)
        #expect(abs(moments.standardDeviation - 1) < 0.02)
    }
}
