import ConcordData
import ConcordFederation
import ConcordTensor
import Testing

@Suite("Participants as views of the shared dataset")
struct ParticipantViewTests {
    static let mnist: DatasetSplit? = try? MNIST.loadBundled()

    /// Runs two rounds of `strategy` on `data` and returns the final parameters.
    func finalParameters(
        _ data: any ParticipantData, test: Dataset, strategy: String = "fedavg"
    ) async throws
        -> Parameters
    {
        let settings = SimulationSettings(
            model: "mlp", fraction: 0.5, localEpochs: 2, batchSize: 7, learningRate: 0.1, seed: 5, concurrency: 2)
        let simulation = try Simulation(
            settings: settings, data: data, test: test,
            strategy: try StrategySpecification(parsing: strategy).make(
                local: LocalTraining(epochs: 2, batchSize: 7, learningRate: 0.1)))
        _ = await simulation.run(rounds: 2)
        return await simulation.coordinator.parameters
    }

    @Test(
        "training through a participant's rows gives the parameters training on its copied examples gives",
        arguments: ["fedavg", "fedprox:0.1", "scaffold-full"])
    func viewsMatchCopies(strategy: String) async throws {
        let split = try #require(Self.mnist)
        let partition = try ClientPartition(
            split.train.subset(0..<1200), clients: 8, scheme: .dirichlet(alpha: 0.5), seed: 3)
        let copies = ParticipantDatasets((0..<partition.clientCount).map(partition.client))
        let test = split.test.subset(0..<200)
        let viaViews = try await finalParameters(partition, test: test, strategy: strategy)
        let viaCopies = try await finalParameters(copies, test: test, strategy: strategy)
        #expect(viaViews == viaCopies)
    }

    @Test("a view names rows of the shared dataset and materialises to the same examples as a copy")
    func viewIsTheClientsRows() throws {
        let split = try #require(Self.mnist)
        let partition = try ClientPartition(split.train.subset(0..<300), clients: 4, scheme: .iid, seed: 1)
        for client in 0..<partition.clientCount {
            let view = partition.view(client)
            #expect(view.rows == partition.indices[client])
            #expect(view.count == partition.size(of: client))
            #expect(view.materialized().features == partition.client(client).features)
            #expect(view.materialized().labels == partition.client(client).labels)
        }
    }
}
