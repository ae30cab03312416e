import ConcordFederation
import ConcordTesting
import Testing

/// Under secure aggregation no single weight can be seen, so the sum's total weight is checked against what
/// its participants declared: a node that claims more examples inside its masked input fails the round.
@Suite("The total weight of a secure sum")
struct SecureSumWeightTests {
    /// A participant that declared `declared` examples when it joined, as a remote node does.
    struct Declaring: ClientProxy {
        let id: Int
        let declared: Int
        var declaredExamples: Int? { declared }
        func fit(_ instruction: FitInstruction) async throws -> ClientUpdate {
            ClientUpdate(parameters: instruction.parameters, exampleCount: declared)
        }
        func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
            EvaluationResult(loss: 0, accuracy: 0, exampleCount: 0)
        }
    }

    /// A summation that reveals the same sum whatever happens: Δ = 1 everywhere, of `totalWeight`.
    struct FixedSum: SecureSummation {
        let totalWeight: Double
        func sum(
            round: Int, instructions: [Int: FitInstruction], participants: [Int: any ClientProxy],
            weighting: SumWeighting, deadline: Duration?
        ) async -> SummationOutcome {
            SummationOutcome(
                sum: UpdateSum(
                    weightedDelta: [totalWeight, totalWeight, totalWeight], totalWeight: totalWeight,
                    participants: participants.keys.sorted()),
                failures: [])
        }
    }

    func round(totalWeight: Double) async throws -> RoundRecord {
        let coordinator = try Coordinator(
            strategy: FedAvg(localEpochs: 1, batchSize: 10, learningRate: 0.1),
            participants: [Declaring(id: 0, declared: 100), Declaring(id: 1, declared: 300)],
            initialParameters: try Fixtures.parameters([0, 0, 0]),
            configuration: CoordinatorConfiguration(
                sampler: FractionSampler(fraction: 1), evalEvery: 0, seed: 1,
                secureSummation: FixedSum(totalWeight: totalWeight)))
        return await coordinator.runRound()
    }

    @Test("a total within the declared examples is aggregated; one above them fails the round, naming the totals")
    func totalWeightIsBounded() async throws {
        #expect(try await round(totalWeight: 400).completed)
        let inflated = try await round(totalWeight: 2_147_483_647 + 100)
        #expect(!inflated.completed)
        #expect(
            inflated.error?.contains("the sum's total weight, 2147483747.0, exceeds the 400 examples its 2 participants declared")
                == true, "\(String(describing: inflated.error))")
    }
}
