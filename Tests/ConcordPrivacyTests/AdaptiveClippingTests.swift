import ConcordPrivacy
import ConcordTensor
import Foundation
import Testing

@Suite("Adaptive clipping: converging to the quantile, the unclipped count, the split of the noise")
struct AdaptiveClippingTests {
    /// The log-normal spread of the simulated update norms: norms are exp(0.5·Z), median 1.
    static let spread = 0.5
    /// m, participants per round.
    static let participants = 100

    enum Feedback { case unclippedCount, clippedCount }

    /// Runs `rounds` rounds of the paper's setting (m = 100, σ_b = m/20, η_C = 0.2) on log-normal
    /// norms and returns C after each round. `.clippedCount` feeds the bit the wrong way round.
    func clipNorms(
        from start: Double, quantile: Double = 0.5, rounds: Int = 50, seed: UInt64,
        feedback: Feedback = .unclippedCount
    ) throws -> [Double] {
        let m = Double(Self.participants)
        var clipping = try #require(
            AdaptiveClipping(
                clipNorm: start, targetQuantile: quantile,
                countNoiseStandardDeviation: AdaptiveClipping.recommendedCountNoiseStandardDeviation(
                    expectedParticipants: m)))
        var norms = SeededGenerator(seed: seed)
        var noise = GaussianNoise(source: SeededGenerator(seed: seed &+ 1000))
        var history: [Double] = []
        for _ in 0..<rounds {
            let unclipped = (0..<Self.participants).filter { _ in
                clipping.isUnclipped(norm: exp(Self.spread * norms.nextGaussian()))
            }.count
            let fed = feedback == .unclippedCount ? unclipped : Self.participants - unclipped
            let fraction = clipping.update(
                unclippedCount: fed, participantCount: Self.participants, expectedParticipants: m, noise: &noise)
            try #require(fraction != nil)
            history.append(clipping.clipNorm)
        }
        return history
    }

    @Test(arguments: [0.1, 10.0])
    func theClipNormReachesTheMedianWithinFiftyRounds(start: Double) throws {
        for seed in UInt64(1)...5 {
            let history = try clipNorms(from: start, seed: seed)
            // Median of exp(0.5·Z) is 1; within 10% from round 40 on.
            for (round, c) in history.enumerated().dropFirst(39) {
                #expect(abs(c - 1) < 0.1, "seed \(seed), round \(round + 1): C = \(c)")
            }
        }
    }

    /// With γ = 0.8 the geometric step is lopsided: at most η_C·γ = 0.16 up but η_C·(1 − γ) = 0.04
    /// down in log C per round. From 0.1 the quantile is reached within 50 rounds; from 10 (1.9 in
    /// log above it) the descent alone takes about 47 rounds, so that start is given 100.
    @Test(arguments: [(0.1, 50), (10.0, 100)])
    func theClipNormReachesTheEightiethPercentile(start: Double, rounds: Int) throws {
        let quantile = exp(0.841_621 * Self.spread)  // Φ⁻¹(0.8) = 0.8416
        for seed in UInt64(1)...5 {
            let history = try clipNorms(from: start, quantile: 0.8, rounds: rounds, seed: seed)
            for (round, c) in history.enumerated().dropFirst(rounds - 10) {
                #expect(abs(c / quantile - 1) < 0.1, "seed \(seed), round \(round + 1): C = \(c), quantile \(quantile)")
            }
        }
    }

    @Test func feedingTheClippedCountDrivesTheClipNormAway() throws {
        // With the clipped fraction, C below the median sees "too many above target" and shrinks,
        // C above it grows: the median becomes an unstable point and C runs off. This is why the
        // bit must be "norm ≤ C" (unclipped), the paper's definition.
        for seed in UInt64(1)...5 {
            let fromBelow = try clipNorms(from: 0.8, seed: seed, feedback: .clippedCount)
            let fromAbove = try clipNorms(from: 1.25, seed: seed, feedback: .clippedCount)
            #expect(try #require(fromBelow.last) < 0.05, "seed \(seed): \(fromBelow.last ?? .nan)")
            #expect(try #require(fromAbove.last) > 20, "seed \(seed): \(fromAbove.last ?? .nan)")
        }
    }

    @Test func oneStepFollowsTheGeometricUpdateOnTheCentredCount() throws {
        var noise = GaussianNoise(source: SeededGenerator(seed: 1))
        var clipping = try #require(AdaptiveClipping(clipNorm: 2, targetQuantile: 0.5, countNoiseStandardDeviation: 0))
        // 3 of 4 unclipped, m = 10: b̃ = (3 − 4/2)/10 + ½ = 0.6.
        let fraction = clipping.update(unclippedCount: 3, participantCount: 4, expectedParticipants: 10, noise: &noise)
        #expect(abs(try #require(fraction) - 0.6) < 1e-15)
        #expect(abs(clipping.clipNorm - 2 * exp(-0.2 * 0.1)) < 1e-15)

        // With m reporting, b̃ is the plain fraction Σbᵢ/m; here all of them: b̃ = 1.
        let all = clipping.update(unclippedCount: 10, participantCount: 10, expectedParticipants: 10, noise: &noise)
        #expect(all == 1)
        #expect(abs(clipping.clipNorm - 2 * exp(-0.2 * 0.1) * exp(-0.2 * 0.5)) < 1e-15)
    }

    @Test func theNoisyFractionIsClampedToTheUnitInterval() throws {
        var noise = GaussianNoise(source: SeededGenerator(seed: 1))
        var clipping = try #require(AdaptiveClipping(clipNorm: 1, targetQuantile: 0.5, countNoiseStandardDeviation: 0))
        // 100 of 100 unclipped against m = 10 would be b̃ = 5.5.
        let fraction = clipping.update(
            unclippedCount: 100, participantCount: 100, expectedParticipants: 10, noise: &noise)
        #expect(fraction == 1)
        #expect(abs(clipping.clipNorm - exp(-0.1)) < 1e-15)
    }

    @Test func theCountNoiseHasStandardDeviationSigmaBOverM() throws {
        let m = 100.0
        var noise = GaussianNoise(source: SeededGenerator(seed: 2))
        let template = try #require(
            AdaptiveClipping(clipNorm: 1, learningRate: 0, countNoiseStandardDeviation: m / 20))
        var fractions: [Double] = []
        for _ in 0..<20_000 {
            var clipping = template
            let fraction = clipping.update(
                unclippedCount: 50, participantCount: 100, expectedParticipants: m, noise: &noise)
            fractions.append(try #require(fraction))
            #expect(clipping.clipNorm == 1)  // η_C = 0 keeps C
        }
        let mean = fractions.reduce(0, +) / Double(fractions.count)
        let sd = (fractions.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(fractions.count)).squareRoot()
        #expect(abs(mean - 0.5) < 0.002)
        #expect(abs(sd / 0.05 - 1) < 0.03, "σ_b/m = 0.05, measured \(sd)")
    }

    @Test func inconsistentCountsLeaveTheClipNormAndTheNoiseSourceAlone() throws {
        let fresh = GaussianNoise(source: SeededGenerator(seed: 4))
        var noise = fresh
        var clipping = try #require(AdaptiveClipping(clipNorm: 3, countNoiseStandardDeviation: 1))
        let before = clipping
        let refused = [
            clipping.update(unclippedCount: 5, participantCount: 4, expectedParticipants: 4, noise: &noise),
            clipping.update(unclippedCount: -1, participantCount: 4, expectedParticipants: 4, noise: &noise),
            clipping.update(unclippedCount: 1, participantCount: 4, expectedParticipants: 0, noise: &noise),
            clipping.update(unclippedCount: 1, participantCount: 4, expectedParticipants: .infinity, noise: &noise),
        ]
        #expect(refused.allSatisfy { $0 == nil })
        #expect(clipping == before)
        var untouched = fresh
        #expect(noise.standardNormal() == untouched.standardNormal())
    }

    @Test func theUnclippedBitAgreesWithL2Clipping() throws {
        let clipping = try #require(AdaptiveClipping(clipNorm: 5, countNoiseStandardDeviation: 1))
        for vector: [Float] in [[3, 4], [3, 4.001], [0, 0], [.nan, 1], [.infinity]] {
            var v = vector
            let result = L2Clipping.clip(&v, to: clipping.clipNorm)
            #expect(clipping.isUnclipped(norm: result.norm) == !result.scaled, "\(vector)")
        }
    }

    @Test func settingsOutOfRangeAreRefused() {
        #expect(AdaptiveClipping(clipNorm: 0, countNoiseStandardDeviation: 1) == nil)
        #expect(AdaptiveClipping(clipNorm: .nan, countNoiseStandardDeviation: 1) == nil)
        #expect(AdaptiveClipping(clipNorm: .infinity, countNoiseStandardDeviation: 1) == nil)
        #expect(AdaptiveClipping(clipNorm: 1, targetQuantile: 0, countNoiseStandardDeviation: 1) == nil)
        #expect(AdaptiveClipping(clipNorm: 1, targetQuantile: 1, countNoiseStandardDeviation: 1) == nil)
        #expect(AdaptiveClipping(clipNorm: 1, learningRate: -0.1, countNoiseStandardDeviation: 1) == nil)
        #expect(AdaptiveClipping(clipNorm: 1, countNoiseStandardDeviation: -1) == nil)
        #expect(AdaptiveClipping(clipNorm: 1, countNoiseStandardDeviation: .nan) == nil)
        let defaults = AdaptiveClipping(clipNorm: 1, countNoiseStandardDeviation: 5)
        #expect(defaults?.targetQuantile == 0.5 && defaults?.learningRate == 0.2)
        #expect(AdaptiveClipping.recommendedCountNoiseStandardDeviation(expectedParticipants: 100) == 5)
    }

    @Test func codableRoundTripsAndRejectsBadSettings() throws {
        var noise = GaussianNoise(source: SeededGenerator(seed: 1))
        var clipping = try #require(
            AdaptiveClipping(clipNorm: 0.7, targetQuantile: 0.8, countNoiseStandardDeviation: 2))
        clipping.update(unclippedCount: 30, participantCount: 40, expectedParticipants: 40, noise: &noise)
        let data = try JSONEncoder().encode(clipping)
        #expect(try JSONDecoder().decode(AdaptiveClipping.self, from: data) == clipping)

        let bad = Data(
            #"{"clipNorm":-1,"targetQuantile":0.5,"learningRate":0.2,"countNoiseStandardDeviation":1}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AdaptiveClipping.self, from: bad) }
    }

    @Test func theUpdateNoiseMultiplierFollowsThePaper() throws {
        // z = 1, m = 100, σ_b = m/20 = 5: z_Δ = (1 − 1/100)^(−1/2) ≈ 1.00504, a 0.5% surcharge.
        let zDelta = try #require(AdaptiveClipping.updateNoiseMultiplier(total: 1, countNoiseStandardDeviation: 5))
        #expect(abs(zDelta - 1 / 0.99.squareRoot()) < 1e-12)
        for (z, sigmaB) in [(0.5, 0.3), (1.0, 5.0), (1.1, 0.6), (3.0, 50.0)] {
            let split = try #require(
                AdaptiveClipping.updateNoiseMultiplier(total: z, countNoiseStandardDeviation: sigmaB))
            #expect(split > z)
            let total = try #require(
                AdaptiveClipping.totalNoiseMultiplier(updateNoiseMultiplier: split, countNoiseStandardDeviation: sigmaB)
            )
            #expect(abs(total - z) < 1e-12 * z)
        }
    }

    @Test func theUpdateNoiseMultiplierIsNilWhenTheCountNeedsTheWholeBudget() {
        #expect(AdaptiveClipping.updateNoiseMultiplier(total: 1, countNoiseStandardDeviation: 0.5) == nil)  // 2σ_b = z
        #expect(AdaptiveClipping.updateNoiseMultiplier(total: 1, countNoiseStandardDeviation: 0.4) == nil)
        #expect(AdaptiveClipping.updateNoiseMultiplier(total: 1, countNoiseStandardDeviation: 0) == nil)
        #expect(AdaptiveClipping.updateNoiseMultiplier(total: -1, countNoiseStandardDeviation: 5) == nil)
        #expect(AdaptiveClipping.updateNoiseMultiplier(total: .nan, countNoiseStandardDeviation: 5) == nil)
        #expect(AdaptiveClipping.updateNoiseMultiplier(total: 1, countNoiseStandardDeviation: .infinity) == nil)
        #expect(AdaptiveClipping.updateNoiseMultiplier(total: 0, countNoiseStandardDeviation: 5) == 0)
        #expect(AdaptiveClipping.totalNoiseMultiplier(updateNoiseMultiplier: 1, countNoiseStandardDeviation: 0) == 0)
        #expect(AdaptiveClipping.totalNoiseMultiplier(updateNoiseMultiplier: -1, countNoiseStandardDeviation: 1) == nil)
    }
}
