import Foundation
import Testing

@testable import ConcordPrivacy

/// The RDP accountant against Google's `dp_accounting`: its published test values, and further values printed by
/// `scripts/dp_accounting_reference.py` (dp_accounting 0.6.0).
@Suite("RDP accountant")
struct RDPAccountantTests {
    /// `|actual − expected| ≤ tolerance × |expected|`, with infinities equal to themselves.
    static func close(_ actual: Double, _ expected: Double, relative tolerance: Double) -> Bool {
        if expected.isInfinite { return actual == expected }
        return abs(actual - expected) <= tolerance * abs(expected)
    }

    // MARK: Published values (dp_accounting's rdp_privacy_accountant_test.py)

    @Test func rdpOfFiftyStepsMatchesDPAccounting() throws {
        // testComputeRdpSequence: q = 0.01, z = 2.5, 50 steps.
        var accountant = try RDPAccountant(orders: [1.5, 2.5, 5, 50, 100, .infinity])
        try accountant.compose(samplingRate: 0.01, noiseMultiplier: 2.5, steps: 50)
        let expected = [6.70579741e-4, 1.08548710e-3, 2.18075656e-3, 2.38460375e-2, 167.416308, .infinity]
        for (actual, reference) in zip(accountant.rdp, expected) {
            #expect(Self.close(actual, reference, relative: 1e-6), "\(actual) vs \(reference)")
        }
    }

    @Test(arguments: [
        // (q, z, steps, δ, ε): testGetEpsilon… and the DP-SGD tutorial's figures.
        (1.0, 4.530877117, 1, 1e-6, 1.0),
        (0.01, 1.0, 1000, 1e-5, 2.10137),
        (0.1, 2.0, 100, 1e-5, 2.58057),
    ])
    func publishedEpsilons(q: Double, z: Double, steps: Int, delta: Double, epsilon: Double) throws {
        let actual = try RDPAccountant.epsilon(samplingRate: q, noiseMultiplier: z, steps: steps, delta: delta)
        #expect(Self.close(actual, epsilon, relative: 0.01), "ε = \(actual), expected \(epsilon)")
    }

    // MARK: Values from scripts/dp_accounting_reference.py

    /// RDP after `steps` steps at chosen integer and fractional orders (`steps × _compute_rdp_poisson_subsampled_gaussian`).
    static let rdpReferences: [(q: Double, z: Double, steps: Int, orders: [Double], rdp: [Double])] = [
        (
            0.001, 0.5, 1, [1.25, 1.5, 2, 3.5, 8, 32, 256],
            [
                3.231069966008e-05, 3.864922767146e-05, 5.359671370362e-05, 6.405811715946e-04, 8.105422539096e+00,
                5.686941390557e+01, 5.050651554846e+02,
            ]
        ),
        (
            0.01, 1.1, 10, [1.01, 1.75, 2.5, 4, 12.5, 64, 1000],
            [
                6.788955553767e-04, 1.137215677317e-03, 1.621521975551e-03, 2.667183146271e-03, 1.800512534966e+00,
                2.176801286629e+02, 4.086133605299e+03,
            ]
        ),
        (
            // The series at order 1.1 does not converge in 1000 terms: dp_accounting reports +∞.
            0.05, 0.8, 3, [1.1, 2, 3.3, 7.7, 20, 40.5],
            [
                .infinity, 2.814803293417e-02, 7.617009355233e-02, 7.720179174832e+00, 3.741479282036e+01,
                8.570715420919e+01,
            ]
        ),
        (0.5, 2.0, 1, [1.5, 2, 6.25, 16], [.infinity, 6.859872438166e-02, 2.904977189397e-01, 1.286773339461e+00]),
        (
            0.9, 4.0, 7, [1.05, 3, 9.5, 100],
            [1.895931912517e-01, 5.375688475543e-01, 1.757159108946e+00, 2.113164209561e+01]
        ),
        (
            1.0, 3.0, 1, [1.5, 2, 10.5, 128],
            [8.333333333333e-02, 1.111111111111e-01, 5.833333333333e-01, 7.111111111111e+00]
        ),
    ]

    @Test(arguments: rdpReferences.indices)
    func rdpMatchesTheReference(index: Int) throws {
        let reference = Self.rdpReferences[index]
        var accountant = try RDPAccountant(orders: reference.orders)
        try accountant.compose(samplingRate: reference.q, noiseMultiplier: reference.z, steps: reference.steps)
        for (order, (actual, expected)) in zip(reference.orders, zip(accountant.rdp, reference.rdp)) {
            #expect(Self.close(actual, expected, relative: 1e-9), "order \(order): \(actual) vs \(expected)")
        }
    }

    /// (ε, optimal order) with the default orders (`RdpAccountant.get_epsilon_and_optimal_order`).
    static let epsilonReferences: [(q: Double, z: Double, steps: Int, delta: Double, epsilon: Double, order: Double)] =
        [
            (0.001, 0.5, 10000, 1e-05, 6.418367323135e+00, 3.0),
            (0.001, 1.0, 10000, 1e-06, 9.795416255106e-01, 13.0),
            (0.004, 1.1, 5000, 1e-05, 1.409047095419e+00, 12.0),
            (0.01, 0.8, 100, 1e-05, 2.185327513711e+00, 5.7),
            (0.02, 3.0, 2000, 1e-07, 1.598894406828e+00, 17.0),
            (0.05, 10.0, 10000, 1e-05, 2.176126130111e+00, 9.5),
            (0.1, 0.7, 10, 0.001, 4.588236050801e+00, 2.7),
            (0.25, 5.0, 1, 1e-05, 2.421906936279e-01, 47.0),
            (0.5, 1.5, 20, 1e-06, 1.020094481717e+01, 3.4),
            (1.0, 10.0, 100, 1e-05, 4.728507067218e+00, 5.4),
            (1.0, 0.5, 1, 1e-05, 1.072550969642e+01, 3.3),
            // The KL-divergence bound: δ exceeds √(1 − e^(−ε₁.₁)), so ε = 0.
            (0.003, 20.0, 1, 1e-2, 0, 1.1),
        ]

    @Test(arguments: epsilonReferences.indices)
    func epsilonAndOrderMatchTheReference(index: Int) throws {
        let reference = Self.epsilonReferences[index]
        var accountant = RDPAccountant()
        try accountant.compose(samplingRate: reference.q, noiseMultiplier: reference.z, steps: reference.steps)
        let (epsilon, order) = try accountant.epsilon(delta: reference.delta)
        #expect(Self.close(epsilon, reference.epsilon, relative: 1e-9), "ε = \(epsilon), expected \(reference.epsilon)")
        #expect(order == reference.order)
    }

    /// The smallest noise multiplier for a target (`calibrate_dp_mechanism`, tolerance 1e-9).
    static let noiseReferences: [(q: Double, steps: Int, delta: Double, epsilon: Double, z: Double)] = [
        (0.01, 1000, 1e-05, 1.0, 1.5131221626),
        (0.001, 10000, 1e-06, 0.5, 1.3617459568),
        (0.1, 100, 1e-05, 8.0, 0.9937260945),
        (1.0, 1, 1e-05, 1.0, 4.0453853698),
        (0.05, 500, 1e-05, 3.0, 1.8833519676),
    ]

    @Test(arguments: noiseReferences.indices)
    func noiseMultiplierMatchesTheReferenceFromAbove(index: Int) throws {
        let reference = Self.noiseReferences[index]
        let z = try RDPAccountant.noiseMultiplier(
            samplingRate: reference.q, steps: reference.steps, delta: reference.delta, epsilon: reference.epsilon)
        // Never below the exact answer, and above it by at most the search's relative tolerance.
        #expect(z >= reference.z * (1 - 1e-8), "z = \(z), reference \(reference.z)")
        #expect(z <= reference.z * (1 + RDPAccountant.noiseMultiplierTolerance), "z = \(z), reference \(reference.z)")
        let epsilon = try RDPAccountant.epsilon(
            samplingRate: reference.q, noiseMultiplier: z, steps: reference.steps, delta: reference.delta)
        #expect(epsilon <= reference.epsilon)
    }
}
