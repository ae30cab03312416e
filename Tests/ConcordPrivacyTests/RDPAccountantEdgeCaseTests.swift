import Foundation
import Testing

@testable import ConcordPrivacy

/// The accountant's limits, closed forms, composition and errors.
@Suite("RDP accountant: edge cases and invalid input")
struct RDPAccountantEdgeCaseTests {
    @Test func defaultOrdersAreDPAccountingsDefaults() {
        let orders = RDPAccountant.defaultOrders
        #expect(orders.count == 99 + 53 + 4)
        #expect(orders.prefix(3) == [1.1, 1.2, 1.3])
        #expect(orders[98] == 10.9)
        #expect(orders[99] == 11)
        #expect(orders.suffix(5) == [63, 128, 256, 512, 1024])
        #expect(RDPAccountant().orders == orders)
        #expect(RDPAccountant().rdp.allSatisfy { $0 == 0 })
    }

    @Test func noSamplingCostsNothingAtEveryOrder() throws {
        let orders = [1.5, 2, 7.25, 1024, .infinity]
        #expect(try RDPAccountant.rdp(samplingRate: 0, noiseMultiplier: 0, orders: orders) == [0, 0, 0, 0, 0])
        #expect(try RDPAccountant.epsilon(samplingRate: 0, noiseMultiplier: 1, steps: 100, delta: 1e-5) == 0)
    }

    @Test func fullSamplingIsTheGaussianMechanism() throws {
        let rdp = try RDPAccountant.rdp(samplingRate: 1, noiseMultiplier: 2, orders: [1.5, 2, 10.5, .infinity])
        let expected: [Double] = [0.1875, 0.25, 1.3125, .infinity]  // α / (2 · 2²)
        #expect(rdp == expected)
    }

    @Test func noNoiseOrAnInfiniteOrderGivesNoBound() throws {
        #expect(
            try RDPAccountant.rdp(samplingRate: 0.01, noiseMultiplier: 0, orders: [2, 2.5]) == [.infinity, .infinity])
        #expect(try RDPAccountant.rdp(samplingRate: 0.5, noiseMultiplier: 3, orders: [.infinity]) == [.infinity])
        #expect(
            try RDPAccountant.epsilon(samplingRate: 0.01, noiseMultiplier: 0, steps: 1, delta: 1e-5) == .infinity)
    }

    @Test func compositionAddsRDP() throws {
        var split = RDPAccountant()
        try split.compose(samplingRate: 0.02, noiseMultiplier: 1.3, steps: 30)
        try split.compose(samplingRate: 0.02, noiseMultiplier: 1.3, steps: 20)
        var whole = RDPAccountant()
        try whole.compose(samplingRate: 0.02, noiseMultiplier: 1.3, steps: 50)
        for (a, b) in zip(split.rdp, whole.rdp) { #expect(abs(a - b) <= 1e-12 * b) }
        let one = try RDPAccountant.rdp(samplingRate: 0.02, noiseMultiplier: 1.3)
        for (a, b) in zip(whole.rdp, one) { #expect(abs(a - 50 * b) <= 1e-12 * a) }
    }

    @Test func zeroStepsChangeNothingEvenWithoutNoise() throws {
        var accountant = RDPAccountant()
        try accountant.compose(samplingRate: 0.5, noiseMultiplier: 0, steps: 0)
        #expect(accountant == RDPAccountant())
        #expect(try accountant.epsilon(delta: 1e-5).epsilon == 0)
    }

    @Test func zeroDeltaNeedsZeroRDP() throws {
        let empty = RDPAccountant()
        #expect(try empty.epsilon(delta: 0) == (0, 0))
        var used = RDPAccountant()
        try used.compose(samplingRate: 0.01, noiseMultiplier: 5)
        #expect(try used.epsilon(delta: 0) == (.infinity, 0))
    }

    @Test func theInfiniteOrderContributesItsLimit() throws {
        // For q > 0 the RDP at order ∞ is +∞, which gives ε = +∞ there (not NaN, which would win a minimum).
        var accountant = try RDPAccountant(orders: [2, .infinity])
        try accountant.compose(samplingRate: 0.1, noiseMultiplier: 2, steps: 10)
        let (epsilon, order) = try accountant.epsilon(delta: 1e-5)
        #expect(order == 2)
        #expect(epsilon.isFinite && epsilon > 0)
    }

    @Test func ordersNearOneUseOnlyTheKLBound() throws {
        var accountant = try RDPAccountant(orders: [1.005])
        try accountant.compose(samplingRate: 0.01, noiseMultiplier: 1, steps: 10)
        #expect(try accountant.epsilon(delta: 1e-5).epsilon == .infinity)
        #expect(try accountant.epsilon(delta: 0.5).epsilon == 0)
    }

    @Test func codableRoundTripKeepsTheState() throws {
        var accountant = try RDPAccountant(orders: [1.5, 4, 32, .infinity])
        try accountant.compose(samplingRate: 0.05, noiseMultiplier: 1.1, steps: 7)
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoded = try decoder.decode(RDPAccountant.self, from: encoder.encode(accountant))
        #expect(decoded == accountant)
    }

    @Test(arguments: [
        #"{"orders": [2, 3], "rdp": [0]}"#, #"{"orders": [0.5], "rdp": [0]}"#, #"{"orders": [], "rdp": []}"#,
    ])
    func decodingRejectsInconsistentState(json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RDPAccountant.self, from: Data(json.utf8)) }
    }

    @Test(arguments: [(-0.1, 1.0), (1.5, 1.0), (.nan, 1.0), (0.1, -1.0), (0.1, .infinity), (0.1, .nan)])
    func outOfRangeMechanismsAreRejected(q: Double, z: Double) {
        var accountant = RDPAccountant()
        #expect(throws: PrivacyError.self) { try accountant.compose(samplingRate: q, noiseMultiplier: z) }
        #expect(accountant == RDPAccountant(), "a rejected step leaves the accountant unchanged")
    }

    @Test func invalidParametersThrowClearErrors() throws {
        var accountant = RDPAccountant()
        #expect(throws: PrivacyError.self) { try accountant.compose(samplingRate: 0.1, noiseMultiplier: 1, steps: -1) }
        for delta in [-1e-5, 1.5, .nan] {
            #expect(throws: PrivacyError.self) { try accountant.epsilon(delta: delta) }
        }
        for orders: [Double] in [[], [0.5], [1], [.nan], [2, 2e5], [-.infinity]] {
            #expect(throws: PrivacyError.self) { try RDPAccountant(orders: orders) }
        }
        do {
            try accountant.compose(samplingRate: 2, noiseMultiplier: 1)
            Issue.record("q = 2 was accepted")
        } catch {
            #expect(error == .invalidParameter("the sampling rate q must be in [0, 1], got 2.0"))
            #expect("\(error)" == "invalid privacy parameter: the sampling rate q must be in [0, 1], got 2.0")
        }
    }

    @Test func noiseMultiplierRejectsImpossibleTargets() {
        for epsilon in [0, -1, .infinity, .nan] {
            #expect(throws: PrivacyError.self) {
                try RDPAccountant.noiseMultiplier(samplingRate: 0.01, steps: 100, delta: 1e-5, epsilon: epsilon)
            }
        }
        for delta in [0, 1, -1, .nan] {
            #expect(throws: PrivacyError.self) {
                try RDPAccountant.noiseMultiplier(samplingRate: 0.01, steps: 100, delta: delta, epsilon: 1)
            }
        }
        // Order 2 alone needs ε₂ < δ² (the KL bound) to reach ε = 0.01, i.e. z > 10⁸: beyond the search.
        #expect(throws: PrivacyError.self) {
            try RDPAccountant.noiseMultiplier(samplingRate: 1, steps: 1, delta: 1e-8, epsilon: 0.01, orders: [2])
        }
    }

    @Test func noNoiseIsNeededWithoutSamplingOrSteps() throws {
        #expect(try RDPAccountant.noiseMultiplier(samplingRate: 0, steps: 100, delta: 1e-5, epsilon: 1) == 0)
        #expect(try RDPAccountant.noiseMultiplier(samplingRate: 0.1, steps: 0, delta: 1e-5, epsilon: 1) == 0)
    }

    @Test func noiseMultiplierIsTheSmallestThatMeetsTheTarget() throws {
        let target = 2.10137
        let z = try RDPAccountant.noiseMultiplier(samplingRate: 0.01, steps: 1000, delta: 1e-5, epsilon: target)
        #expect(abs(z - 1) <= 2e-4, "inverts the published ε(q = 0.01, z = 1, 1000 steps, δ = 1e-5) = 2.10137")
        let slightlyLess = z * (1 - 2 * RDPAccountant.noiseMultiplierTolerance)
        #expect(try RDPAccountant.epsilon(samplingRate: 0.01, noiseMultiplier: z, steps: 1000, delta: 1e-5) <= target)
        #expect(
            try RDPAccountant.epsilon(samplingRate: 0.01, noiseMultiplier: slightlyLess, steps: 1000, delta: 1e-5)
                > target)
    }
}
