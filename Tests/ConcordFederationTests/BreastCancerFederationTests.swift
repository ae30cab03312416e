import ConcordData
import ConcordFederation
import ConcordNN
import ConcordTensor
import Foundation
import Testing

/// The Wisconsin diagnostic breast cancer data (569 rows, 30 numeric features, benign / malignant), split among
/// three hospital-like sites that are not IID (see Tools/make_breast_cancer_csv.py): FedAvg with the federated
/// standardisation pre-round against central training of the same model on the pooled training rows.
@Suite("Breast cancer: three sites with FedAvg against central training")
struct BreastCancerFederationTests {
    static let schemaNames = [
        "mean_radius", "mean_texture", "mean_perimeter", "mean_area", "mean_smoothness", "mean_compactness",
        "mean_concavity", "mean_concave_points", "mean_symmetry", "mean_fractal_dimension", "radius_error",
        "texture_error", "perimeter_error", "area_error", "smoothness_error", "compactness_error",
        "concavity_error", "concave_points_error", "symmetry_error", "fractal_dimension_error", "worst_radius",
        "worst_texture", "worst_perimeter", "worst_area", "worst_smoothness", "worst_compactness",
        "worst_concavity", "worst_concave_points", "worst_symmetry", "worst_fractal_dimension",
    ]

    static let schema = TabularSchema(
        label: "diagnosis", classes: ["benign", "malignant"], features: schemaNames.map(TabularSchema.Feature.numeric))

    static func federation() throws -> TabularFederation {
        let url = try #require(Bundle.module.url(forResource: "breast_cancer", withExtension: "csv"))
        let table = try TabularTable.read(contentsOf: url, schema: schema, siteColumn: "site")
        #expect(table.count == 569)
        #expect(table.labels.filter { $0 == 1 }.count == 212)
        return try TabularFederation.bySite(table, testFraction: 0.25, seed: 7)
    }

    @Test func theSitesAreNotIID() throws {
        let federation = try Self.federation()
        #expect(federation.names == ["hospital_a", "hospital_b", "hospital_c"])
        let malignant = federation.participants.map { site in
            Double(site.labels.filter { $0 == 1 }.count) / Double(site.count)
        }
        #expect(malignant[0] > 0.55 && malignant[1] < 0.35 && malignant[2] < 0.25, "\(malignant)")
        let means = federation.participants.map { $0.statistics.standardisation.means[0] }
        #expect(means[0] > means[1] + 1, "mean radius by site: \(means)")
    }

    /// FedAvg among the three sites for `rounds` rounds of one local epoch, and central training for `rounds`
    /// epochs with the same model, seed, batch size and learning rate, both evaluated on the same held-out rows.
    @Test(arguments: [("logreg", 30), ("mlp:16", 30)])
    func fedAvgMatchesCentralTraining(model: String, rounds: Int) async throws {
        let federation = try Self.federation()
        let agreed = try federation.agreeStandardisation()
        let (sites, test) = try federation.encoded(with: agreed)
        // The central baseline standardises the pooled rows; the pre-round gave the same numbers without pooling.
        let pooled = TabularTable.concatenating(federation.participants)
        let pooledStandardisation = pooled.statistics.standardisation
        for i in agreed.names.indices {
            #expect(abs(agreed.means[i] - pooledStandardisation.means[i]) <= 1e-9 * max(1, abs(agreed.means[i])))
            #expect(abs(agreed.scales[i] - pooledStandardisation.scales[i]) <= 1e-9 * agreed.scales[i])
        }
        let central = try pooled.dataset(standardisation: pooledStandardisation)

        let settings = SimulationSettings(
            model: model, fraction: 1, localEpochs: 1, batchSize: 16, learningRate: 0.05, seed: 3, concurrency: 2,
            loss: .binaryCrossEntropy)
        let simulation = try Simulation(settings: settings, data: ParticipantDatasets(sites), test: test)
        let result = await simulation.run(rounds: rounds)
        let federated = try #require(result.records.last?.evaluation)
        #expect(result.records.count == rounds)

        let network = try settings.makeModel(inputShape: [30], classes: 2)
        #expect(network.outputShape == [1])
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<rounds {
            try network.trainEpoch(
                features: central.features, labels: central.labels, batchSize: 16,
                optimizer: SGD(learningRate: 0.05), generator: &generator)
        }
        let centralEvaluation = try network.evaluate(features: test.features, labels: test.labels)

        let summary = String(
            format: "%@: federated accuracy %.4f AUC %.4f, central accuracy %.4f AUC %.4f on %d test rows", model,
            federated.accuracy, federated.binary?.auc ?? .nan, centralEvaluation.accuracy,
            centralEvaluation.binary?.auc ?? .nan, test.count)
        print(summary)
        #expect(abs(federated.accuracy - centralEvaluation.accuracy) <= 0.01, "\(summary)")
        #expect(federated.accuracy > 0.9, "\(summary)")
        let binary = try #require(federated.binary)
        #expect(binary.count == test.count)
        #expect(try #require(binary.auc) > 0.95, "\(summary)")
        #expect(binary.precision != nil && binary.recall != nil)
    }
}
