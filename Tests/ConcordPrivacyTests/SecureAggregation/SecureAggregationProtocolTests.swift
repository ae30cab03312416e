import ConcordFederation
import ConcordTensor
import Testing

@testable import ConcordPrivacy

@Suite("SecAgg+: the unmasked sum is exactly the plain sum, whatever drops out")
struct SecureAggregationProtocolTests {
    /// A random valid (k, t) for n participants: an even degree or the complete graph, t above k/2.
    func randomShape<G: RandomNumberGenerator>(n: Int, using generator: inout G) -> (k: Int, t: Int) {
        let evens = Array(stride(from: 2, through: n - 2, by: 2))
        let k = evens.isEmpty || Bool.random(using: &generator) ? n - 1 : evens.randomElement(using: &generator)!
        return (k, Int.random(in: (k / 2 + 1)...k, using: &generator))
    }

    @Test func sumsMatchForRandomShapesWithoutDropouts() throws {
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<12 {
            let n = Int.random(in: 3...16, using: &generator)
            let (k, t) = randomShape(n: n, using: &generator)
            let plan = SecureAggregationPlan.test(
                n: n, k: k, t: t, dimension: Int.random(in: 1...300, using: &generator),
                modulusBits: Bool.random(using: &generator) ? 32 : 64)
            let ids = (0..<n).map { $0 * 3 + 1 }
            let inputs = SecureAggregationHarness.randomInputs(ids, plan: plan, using: &generator)
            var harness = try SecureAggregationHarness(ids: ids, plan: plan, using: &generator)
            let (sum, contributors) = try harness.run(inputs: inputs)
            #expect(contributors == ids)
            #expect(sum == (try SecureAggregationHarness.plainSum(inputs, of: ids)), "n=\(n) k=\(k) t=\(t)")
        }
    }

    /// Dropouts at every stage, each participant independently; the sum must be that of exactly the
    /// contributors, or the round must fail with a reconstruction or round failure.
    @Test func sumsMatchForRandomDropoutPatternsAtEveryStage() throws {
        var generator = SeededGenerator(seed: 12)
        var completed = 0, failed = 0
        for trial in 0..<40 {
            let n = Int.random(in: 5...24, using: &generator)
            var (k, t) = randomShape(n: n, using: &generator)
            t = min(t, k / 2 + 1 + k / 6)
            let plan = SecureAggregationPlan.test(
                n: n, k: k, t: t, dimension: Int.random(in: 1...200, using: &generator),
                modulusBits: trial % 2 == 0 ? 32 : 64)
            let ids = Array(0..<n)
            var drops: [SecureAggregationStage: Set<Int>] = [:]
            for id in ids where Double.random(in: 0..<1, using: &generator) < 0.2 {
                drops[SecureAggregationStage.allCases.randomElement(using: &generator)!, default: []].insert(id)
            }
            let inputs = SecureAggregationHarness.randomInputs(ids, plan: plan, using: &generator)
            var harness = try SecureAggregationHarness(ids: ids, plan: plan, using: &generator)
            do {
                let (sum, contributors) = try harness.run(inputs: inputs, drops: drops)
                let early = drops[.advertiseKeys, default: []].union(drops[.shareKeys, default: []])
                    .union(drops[.maskedInput, default: []])
                #expect(
                    Set(contributors).isDisjoint(with: early), "a participant that never sent its input is in the sum")
                #expect(Set(contributors) == harness.coordinator.contributors)
                #expect(sum == (try SecureAggregationHarness.plainSum(inputs, of: contributors)), "trial \(trial)")
                completed += 1
            } catch let error as SecureAggregationError {
                switch error {
                case .roundFailed, .reconstructionFailed: failed += 1
                default: Issue.record("trial \(trial) failed with \(error)")
                }
            }
        }
        #expect(completed >= 20, "\(completed) rounds completed, \(failed) failed cleanly")
    }

    @Test func participantsVanishingAtEachStageAreHandled() throws {
        var generator = SeededGenerator(seed: 13)
        let ids = Array(0..<12)
        let plan = SecureAggregationPlan.test(n: 12, k: 8, t: 5, dimension: 50)
        for stage in SecureAggregationStage.allCases {
            let inputs = SecureAggregationHarness.randomInputs(ids, plan: plan, using: &generator)
            var harness = try SecureAggregationHarness(ids: ids, plan: plan, using: &generator)
            let (sum, contributors) = try harness.run(inputs: inputs, drops: [stage: [3, 7]])
            let expected = stage == .unmask ? ids : ids.filter { $0 != 3 && $0 != 7 }
            #expect(contributors == expected, "\(stage)")
            #expect(sum == (try SecureAggregationHarness.plainSum(inputs, of: expected)))
        }
    }

    @Test func tooManyDropoutsFailCleanly() throws {
        var generator = SeededGenerator(seed: 14)
        let ids = Array(0..<8)
        let plan = SecureAggregationPlan.test(n: 8, k: 7, t: 6, dimension: 10)
        let inputs = SecureAggregationHarness.randomInputs(ids, plan: plan, using: &generator)
        // Three survivors cannot give six shares of anyone's self mask.
        var harness = try SecureAggregationHarness(ids: ids, plan: plan, using: &generator)
        #expect(throws: SecureAggregationError.self) {
            _ = try harness.run(inputs: inputs, drops: [.unmask: [0, 1, 2, 3, 4]])
        }
        #expect(harness.coordinator.state == .unmasking, "no sum was produced")
        // Too few masked inputs: the round stops before asking anyone to reveal anything.
        var early = try SecureAggregationHarness(ids: ids, plan: plan, using: &generator)
        #expect(throws: SecureAggregationError.roundFailed("only 3 masked inputs arrived; at least 6 are needed")) {
            _ = try early.run(inputs: inputs, drops: [.maskedInput: [0, 1, 2, 3, 4]])
        }
    }
}
