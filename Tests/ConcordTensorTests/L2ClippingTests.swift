import ConcordTensor
import Testing

@Suite("L2 clipping: norms, scaling to the bound, zeros, huge values, NaN")
struct L2ClippingTests {
    /// The reference: every square and the sum in Double, one term at a time.
    func naiveNorm(_ v: [Float]) -> Double {
        v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    }

    func randomVector(_ count: Int, scale: Float, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in scale * (2 * generator.nextUnitFloat() - 1) }
    }

    @Test(arguments: [0, 1, 3, 4, 5, 7, 1001, 65_537])
    func normMatchesANaiveDoubleSum(count: Int) {
        let v = randomVector(count, scale: 3, seed: UInt64(count))
        let expected = naiveNorm(v)
        let norm = L2Clipping.norm(v)
        #expect(abs(norm - expected) <= 1e-12 * max(expected, 1), "\(norm) vs \(expected)")
        #expect(v.withUnsafeBufferPointer { L2Clipping.norm($0) } == norm)
    }

    @Test func clippingScalesToTheBoundAndKeepsTheDirection() {
        let original = randomVector(10_000, scale: 1, seed: 1)
        let before = naiveNorm(original)
        var v = original
        let result = L2Clipping.clip(&v, to: 1.5)
        #expect(result.scaled)
        #expect(abs(result.norm - before) <= 1e-12 * before)
        let after = naiveNorm(v)
        #expect(after <= 1.5)
        #expect(abs(after / 1.5 - 1) < 1e-6, "clipped norm \(after)")
        let factor = 1.5 / before
        for (x, y) in zip(original, v) where x != 0 {
            #expect(abs(Double(y) / (Double(x) * factor) - 1) < 1e-6)
        }
    }

    @Test func theClippedNormNeverExceedsTheBound() {
        for seed in UInt64(0)..<200 {
            let scale = Float(1 << (seed % 20)) * 1e-3
            var v = randomVector(1 + Int(seed % 37) * 29, scale: scale, seed: seed)
            let bound = 0.01 + Double(seed % 13) * 0.07
            L2Clipping.clip(&v, to: bound)
            #expect(naiveNorm(v) <= bound, "seed \(seed)")
        }
    }

    @Test func vectorsWithinTheBoundAreUntouched() {
        let original = randomVector(999, scale: 0.01, seed: 2)
        var v = original
        let result = L2Clipping.clip(&v, to: 10)
        #expect(!result.scaled)
        #expect(v == original)

        var atTheBound: [Float] = [3, 4]
        let boundary = L2Clipping.clip(&atTheBound, to: 5)
        #expect(boundary == (norm: 5, scaled: false))
        #expect(atTheBound == [3, 4])
    }

    @Test func theZeroVectorAndTheEmptyVectorStayAsTheyAre() {
        var zeros = [Float](repeating: 0, count: 17)
        let underOne = L2Clipping.clip(&zeros, to: 1)
        let underZero = L2Clipping.clip(&zeros, to: 0)
        #expect(underOne == (norm: 0, scaled: false))
        #expect(underZero == (norm: 0, scaled: false))
        #expect(zeros == [Float](repeating: 0, count: 17))
        var empty: [Float] = []
        let emptyResult = L2Clipping.clip(&empty, to: 1)
        #expect(emptyResult == (norm: 0, scaled: false))
    }

    @Test func hugeValuesDoNotOverflow() {
        let huge = Float.greatestFiniteMagnitude
        var v = [Float](repeating: huge, count: 4)
        let norm = L2Clipping.norm(v)
        #expect(norm.isFinite)
        #expect(abs(norm / (2 * Double(huge)) - 1) < 1e-15)  // larger than any Float
        let result = L2Clipping.clip(&v, to: 1)
        #expect(result.scaled && result.norm == norm)
        #expect(v.allSatisfy { abs($0 - 0.5) < 1e-6 })
        #expect(naiveNorm(v) <= 1)

        let tiny = [Float](repeating: .leastNonzeroMagnitude, count: 4)
        #expect(L2Clipping.norm(tiny) == 2 * Double(Float.leastNonzeroMagnitude))  // no underflow
    }

    @Test func aNonFiniteNormZeroesTheVectorAndIsReported() {
        var withNaN: [Float] = [1, .nan, 2]
        let nanResult = L2Clipping.clip(&withNaN, to: 1)
        #expect(nanResult.norm.isNaN && nanResult.scaled)
        #expect(withNaN == [0, 0, 0])

        var withInfinity: [Float] = [-.infinity, 1]
        let infinityResult = L2Clipping.clip(&withInfinity, to: 100)
        #expect(infinityResult.norm == .infinity && infinityResult.scaled)
        #expect(withInfinity == [0, 0])
    }

    @Test func outOfRangeBoundsAreClampedAsDocumented() {
        var negative: [Float] = [1, 2]
        let negativeResult = L2Clipping.clip(&negative, to: -1)
        #expect(negativeResult.scaled)
        #expect(negative.allSatisfy { $0 == 0 })

        var nanBound: [Float] = [1, 2]
        let nanBoundResult = L2Clipping.clip(&nanBound, to: .nan)
        #expect(nanBoundResult.scaled)
        #expect(nanBound.allSatisfy { $0 == 0 })

        var unbounded: [Float] = [1e30, -1e30]
        let unboundedResult = L2Clipping.clip(&unbounded, to: .infinity)
        #expect(!unboundedResult.scaled)
        #expect(unbounded == [1e30, -1e30])
    }

    @Test func theBufferOverloadClipsInPlace() {
        var viaArray = randomVector(100, scale: 5, seed: 9)
        var viaBuffer = viaArray
        let arrayResult = L2Clipping.clip(&viaArray, to: 2)
        let bufferResult = viaBuffer.withUnsafeMutableBufferPointer { L2Clipping.clip($0, to: 2) }
        #expect(arrayResult == bufferResult)
        #expect(viaArray == viaBuffer)
    }
}
