import ConcordData
import ConcordFederation
import Foundation

/// The participants' data and the coordinator's test set of a simulation: a dataset split among the participants,
/// or the FedProx paper's synthetic devices.
public struct FederationInput: Sendable {
    /// Each participant's training data.
    public var participants: any ParticipantData
    /// The coordinator's held-out data.
    public var test: any HeldOutData
    /// The dataset's name or path.
    public var name: String
    /// How the data were split.
    public var partitionName: String

    /// Loads the dataset and splits it, or generates the FedProx synthetic federation.
    ///
    /// - Parameters:
    ///   - dataset: the dataset's name as given (`synthetic:ALPHA,BETA` generates devices); nil for `source`'s.
    ///   - source: where a dataset that is not synthetic is read from.
    ///   - clients: the number of participants (default 100; 30 synthetic devices, as in the FedProx paper).
    ///   - partition: iid, shards, shards:K or dirichlet:ALPHA.
    /// - Throws: ``PlanError/invalid(field:problem:)`` for synthetic parameters that cannot be read; the data's
    ///   and the partitioner's errors.
    public static func load(
        dataset: String?, source: DatasetSource, clients: Int?, partition: String, seed: UInt64
    ) throws -> FederationInput {
        if let dataset, dataset.lowercased().hasPrefix("synthetic") {
            let (alpha, beta) = try parseSynthetic(dataset)
            // Each device's examples are generated when it trains, the same as the eager generator's.
            let federation = SyntheticFedProxDevices(alpha: alpha, beta: beta, devices: clients ?? 30, seed: seed)
            return FederationInput(
                participants: federation, test: federation.heldOut, name: federation.name, partitionName: "natural")
        }
        let scheme = try PartitionScheme(parsing: partition)
        let split = try source.load()
        let partitioned = try ClientPartition(split.train, clients: clients ?? 100, scheme: scheme, seed: seed)
        return FederationInput(
            participants: partitioned, test: split.test, name: source.description, partitionName: scheme.description)
    }

    /// `synthetic:ALPHA,BETA` → (α, β).
    static func parseSynthetic(_ text: String) throws(PlanError) -> (Double, Double) {
        let parts = text.dropFirst("synthetic".count)
        guard parts.first == ":" else {
            throw .invalid(
                field: "dataset",
                problem: "needs the synthetic dataset's parameters: synthetic:ALPHA,BETA, e.g. synthetic:1,1")
        }
        let numbers = parts.dropFirst().split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == 2, let alpha = numbers[0], let beta = numbers[1], alpha >= 0, beta >= 0,
            alpha.isFinite, beta.isFinite
        else {
            throw .invalid(
                field: "dataset", problem: "cannot read '\(text)': expected synthetic:ALPHA,BETA with ALPHA, BETA ≥ 0")
        }
        return (alpha, beta)
    }
}
