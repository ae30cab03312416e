import ConcordTensor
import Testing

@testable import ConcordPrivacy

@Suite("Stochastic quantisation: bounded, unbiased, weighted, exact to decode")
struct StochasticQuantisationTests {
    func plan(
        n: Int = 3, bits: Int = 8, clip: Double = 1, maxWeight: Int = 100, modulusBits: Int = 64, dimension: Int
    )
        -> SecureAggregationPlan
    {
        SecureAggregationPlan(
            participantCount: n, neighbours: 2, threshold: 2, dimension: dimension, clipRange: clip, bits: bits,
            maxWeight: maxWeight, counts: [], modulusBits: modulusBits)
    }

    @Test func eachCoordinateIsWithinOneStep() throws {
        var generator = SeededGenerator(seed: 1)
        for bits in [1, 4, 8, 16] {
            let p = plan(bits: bits, clip: 0.5, dimension: 2000)
            let delta = (0..<2000).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
            let words = try StochasticQuantisation.encode(delta, weight: 1, counts: [], plan: p, using: &generator)
            let decoded = try StochasticQuantisation.decode(words, plan: p)
            #expect(decoded.totalWeight == 1)
            for i in delta.indices {
                #expect(abs(decoded.weightedDelta[i] - Double(delta[i])) <= p.step * (1 + 1e-9), "bits \(bits)")
            }
        }
    }

    @Test func roundingIsUnbiased() throws {
        var generator = SeededGenerator(seed: 2)
        let p = plan(bits: 2, clip: 1, dimension: 20_000)
        let x: Float = 0.123  // between the levels −1/3 and 1/3
        let words = try StochasticQuantisation.encode(
            [Float](repeating: x, count: 20_000), weight: 1, counts: [], plan: p, using: &generator)
        let decoded = try StochasticQuantisation.decode(words, plan: p)
        let mean = decoded.weightedDelta.reduce(0, +) / 20_000
        // Each draw has standard deviation below step/2 = 1/3; 5σ of the mean of 20,000.
        #expect(abs(mean - Double(x)) < 5 * (1.0 / 3) / 20_000.0.squareRoot(), "mean \(mean)")
    }

    @Test func theWeightedSumDecodesToTheWeightedSumOfUpdates() throws {
        var generator = SeededGenerator(seed: 3)
        let p = plan(n: 3, bits: 16, clip: 2, maxWeight: 1000, dimension: 500)
        let weights = [3, 500, 1000]
        let deltas = weights.map { _ in (0..<500).map { _ in Float.random(in: -2...2, using: &generator) } }
        var sum = ModularVector.zeros(count: p.length, modulusBits: 64)
        for (delta, weight) in zip(deltas, weights) {
            try sum.add(
                try StochasticQuantisation.encode(delta, weight: weight, counts: [], plan: p, using: &generator))
        }
        let decoded = try StochasticQuantisation.decode(sum, plan: p)
        #expect(decoded.totalWeight == 1503)
        for i in 0..<500 {
            let exact = zip(deltas, weights).reduce(0.0) { $0 + Double($1.0[i]) * Double($1.1) }
            #expect(abs(decoded.weightedDelta[i] - exact) <= p.step * 1503 * (1 + 1e-9))
        }
    }

    @Test func outOfRangeCoordinatesAreClippedAndBadInputsRefused() throws {
        var generator = SeededGenerator(seed: 4)
        let p = plan(bits: 8, clip: 1, dimension: 3)
        let words = try StochasticQuantisation.encode([5, -7, .nan], weight: 1, counts: [], plan: p, using: &generator)
        let decoded = try StochasticQuantisation.decode(words, plan: p)
        #expect(decoded.weightedDelta.map { $0.rounded() } == [1, -1, 0])
        #expect(throws: SecureAggregationError.self) {
            _ = try StochasticQuantisation.encode([0, 0], weight: 1, counts: [], plan: p, using: &generator)
        }
        #expect(throws: SecureAggregationError.self) {
            _ = try StochasticQuantisation.encode([0, 0, 0], weight: 101, counts: [], plan: p, using: &generator)
        }
    }

    @Test func theModulusIsChosenSoTheSumCannotWrap() throws {
        let settings = SecureAggregationSettings(bits: 16, maxWeight: 600)
        #expect(try settings.plan(participants: 100, dimension: 10, weighting: .exampleCount).modulusBits == 32)
        #expect(try settings.plan(participants: 200, dimension: 10, weighting: .exampleCount).modulusBits == 64)
        #expect(try settings.plan(participants: 200, dimension: 10, weighting: .uniform).modulusBits == 32)
        let wide = SecureAggregationSettings(bits: 24, maxWeight: 1 << 24)
        #expect(throws: SecureAggregationError.self) {
            _ = try wide.plan(participants: 100_000, dimension: 10, weighting: .exampleCount)
        }
        #expect(throws: SecureAggregationError.self) {
            _ = try SecureAggregationSettings().plan(participants: 2, dimension: 10, weighting: .uniform)
        }
        // A sum at the very top of the range, the largest a 32-bit plan allows, decodes without wrapping.
        let p = try settings.plan(participants: 100, dimension: 2, weighting: .exampleCount)
        var generator = SeededGenerator(seed: 5)
        var sum = ModularVector.zeros(count: p.length, modulusBits: p.modulusBits)
        for _ in 0..<100 {
            try sum.add(
                try StochasticQuantisation.encode([1, -1], weight: 600, counts: [], plan: p, using: &generator))
        }
        let decoded = try StochasticQuantisation.decode(sum, plan: p)
        #expect(abs(decoded.weightedDelta[0] - 60_000) < 1e-6 && abs(decoded.weightedDelta[1] + 60_000) < 1e-6)
    }
}
