import Testing

@testable import ConcordPrivacy

@Suite("The degree and threshold rule")
struct NeighbourhoodRuleTests {
    /// Values from an independent Python evaluation of the same four conditions (exact binomial sums).
    @Test func matchesTheIndependentEvaluation() throws {
        let expected: [(n: Int, dropout: Double, corrupt: Double, k: Int, t: Int)] = [
            (100, 0.05, 0.0, 22, 12), (100, 0.1, 0.0, 34, 18), (100, 0.05, 0.05, 24, 14), (100, 0.2, 0.1, 74, 38),
            (1000, 0.05, 0.05, 28, 15), (1000, 0.1, 0.05, 38, 20), (10000, 0.1, 0.0, 42, 22),
            (1000, 0.3, 0.0, 212, 107), (30, 0.05, 0.0, 20, 11),
        ]
        for row in expected {
            let r = try NeighbourhoodRule.recommend(participants: row.n, dropout: row.dropout, corrupt: row.corrupt)
            #expect(r.neighbours == row.k && r.threshold == row.t, "n=\(row.n) δ=\(row.dropout) γ=\(row.corrupt): \(r)")
            #expect(r.failureBound <= 0x1p-20)
        }
    }

    @Test func smallRoundsUseTheCompleteGraphAndSayHowLikelyTheyFail() throws {
        let r = try NeighbourhoodRule.recommend(participants: 10, dropout: 0.05, corrupt: 0.05)
        #expect(r.neighbours == 9)
        #expect(r.threshold > 9 / 2)
        #expect(r.failureBound > 0x1p-20 && r.failureBound < 0.01)
    }

    @Test func everyRecommendationMeetsTheConditions() throws {
        for n in [3, 5, 17, 64, 200, 513] {
            for (dropout, corrupt) in [(0.0, 0.0), (0.05, 0.05), (0.1, 0.0), (0.15, 0.1)] {
                let r = try NeighbourhoodRule.recommend(participants: n, dropout: dropout, corrupt: corrupt)
                #expect(r.threshold > r.neighbours / 2 && r.threshold <= r.neighbours)
                #expect(r.neighbours % 2 == 0 || r.neighbours == n - 1)
                if r.neighbours == n - 1 {
                    #expect(Double(r.threshold) > (corrupt * Double(n)).rounded(.down))
                } else {
                    #expect(NeighbourhoodRule.upperTail(r.neighbours, success: corrupt, from: r.threshold) <= 0x1p-40)
                }
            }
        }
        #expect(throws: SecureAggregationError.self) {
            _ = try NeighbourhoodRule.recommend(participants: 2, dropout: 0, corrupt: 0)
        }
        #expect(throws: SecureAggregationError.self) {
            _ = try NeighbourhoodRule.recommend(participants: 50, dropout: 0.6, corrupt: 0.5)
        }
    }

    @Test func binomialTailsAreExact() {
        // P[Bin(4, 1/2) < 2] = (1 + 4)/16; P[Bin(4, 1/2) ≥ 3] = (4 + 1)/16.
        #expect(abs(NeighbourhoodRule.lowerTail(4, success: 0.5, below: 2) - 5.0 / 16) < 1e-15)
        #expect(abs(NeighbourhoodRule.upperTail(4, success: 0.5, from: 3) - 5.0 / 16) < 1e-15)
        #expect(NeighbourhoodRule.upperTail(40, success: 0.05, from: 21) < 1e-15)
    }
}
