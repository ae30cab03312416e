import ConcordFederation
import Testing

@Suite("Server optimisers: Reddi et al. 2021's Algorithm 2 and server momentum, by hand")
struct ServerOptimizerTests {
    let x: [Float] = [1, -2, 0.5]
    let target: [Float] = [1.5, -2.5, 0.5]  // Δ = [0.5, -0.5, 0]

    @Test func averagingWithUnitRateReturnsTheAggregateExactly() throws {
        var step = ServerAveraging()
        #expect(try step.step(current: x, aggregate: target) == target)
        var half = ServerAveraging(learningRate: 0.5)
        #expect(try half.step(current: x, aggregate: target) == [1.25, -2.25, 0.5])
    }

    @Test func fedAvgMAccumulatesVelocity() throws {
        var m = FedAvgM(learningRate: 1, momentum: 0.9)
        let first = try m.step(current: x, aggregate: target)
        #expect(first == target)
        let second = try m.step(current: first, aggregate: zip(first, [0.5, -0.5, 0] as [Float]).map { $0 + $1 })
        // v = 0.9·0.5 + 0.5 = 0.95
        #expect(abs(second[0] - (first[0] + 0.95)) < 1e-6)
        #expect(abs(second[1] - (first[1] - 0.95)) < 1e-6)
        #expect(second[2] == first[2])
    }

    func expectedAdaptive(
        secondMoment: (Float, Float) -> Float, eta: Float = 0.1, beta1: Float = 0.9, tau: Float = 1e-3
    ) -> [Float] {
        (0..<3).map { i in
            let delta = target[i] - x[i]
            let m = (1 - beta1) * delta
            let v = secondMoment(tau * tau, delta * delta)
            return x[i] + eta * m / (v.squareRoot() + tau)
        }
    }

    @Test func fedAdamFirstStep() throws {
        var adam = FedAdam(learningRate: 0.1)
        let got = try adam.step(current: x, aggregate: target)
        let want = expectedAdaptive { v, d2 in 0.99 * v + 0.01 * d2 }
        for (g, w) in zip(got, want) { #expect(abs(g - w) < 1e-6) }
        // With v ≈ 0.01·Δ², the first step is ≈ η·0.1·Δ/(0.1·|Δ|) = η·sign(Δ).
        #expect(abs(got[0] - x[0] - 0.1) < 2e-3)
        #expect(got[2] == x[2])
    }

    @Test func fedYogiMovesTheSecondMomentBySign() throws {
        var yogi = FedYogi(learningRate: 0.1)
        let got = try yogi.step(current: x, aggregate: target)
        let want = expectedAdaptive { v, d2 in v - 0.01 * d2 * (v > d2 ? 1 : v < d2 ? -1 : 0) }
        for (g, w) in zip(got, want) { #expect(abs(g - w) < 1e-6) }
        #expect(yogi.v[0] > 1e-6, "v grows towards Δ² when it is below it")
    }

    @Test func fedAdagradSumsSquares() throws {
        var adagrad = FedAdagrad(learningRate: 0.1)
        let got = try adagrad.step(current: x, aggregate: target)
        let want = expectedAdaptive { v, d2 in v + d2 }
        for (g, w) in zip(got, want) { #expect(abs(g - w) < 1e-6) }
        _ = try adagrad.step(current: got, aggregate: got.map { $0 + 0.5 })
        #expect(abs(adagrad.v[0] - (1e-6 + 0.25 + 0.25)) < 1e-6)
    }

    @Test func aStateOfAnotherModelIsRefused() throws {
        var adam = FedAdam(learningRate: 0.1)
        _ = try adam.step(current: x, aggregate: target)
        #expect(throws: FederationError.self) { try adam.step(current: [1, 2], aggregate: [1, 2]) }
        var momentum = FedAvgM()
        #expect(throws: FederationError.self) { try momentum.step(current: [1, 2], aggregate: [1]) }
    }
}
