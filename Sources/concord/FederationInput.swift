import ConcordData
import ConcordFederation
import Foundation

/// The participants' data and the coordinator's test set, as `concord simulate` builds them from its options.
struct FederationInput {
    var participants: any ParticipantData
    var test: any HeldOutData
    /// The dataset's name or path.
    var name: String
    /// How the data were split.
    var partitionName: String

    /// Loads the dataset named by the options and splits it, or generates the FedProx synthetic federation.
    static func load(data: DataOptions, clients: Int?, partition: String, seed: UInt64) throws -> FederationInput {
        if let dataset = data.dataset, dataset.lowercased().hasPrefix("synthetic") {
            let (alpha, beta) = try parseSynthetic(dataset)
            // Each device's examples are generated when it trains, the same as the eager generator's.
            let federation = SyntheticFedProxDevices(alpha: alpha, beta: beta, devices: clients ?? 30, seed: seed)
            return FederationInput(
                participants: federation, test: federation.heldOut,
                name: federation.name, partitionName: "natural")
        }
        let scheme = try PartitionScheme(parsing: partition)
        let split = try data.load()
        let partitioned = try ClientPartition(split.train, clients: clients ?? 100, scheme: scheme, seed: seed)
        return FederationInput(
            participants: partitioned, test: split.test, name: data.name,
            partitionName: scheme.description)
    }

    /// `synthetic:ALPHA,BETA` → (α, β).
    static func parseSynthetic(_ text: String) throws -> (Double, Double) {
        let parts = text.dropFirst("synthetic".count)
        guard parts.first == ":" else {
            throw ValidationErrorMessage(
                "the synthetic dataset needs its parameters: synthetic:ALPHA,BETA, e.g. synthetic:1,1")
        }
        let numbers = parts.dropFirst().split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == 2, let alpha = numbers[0], let beta = numbers[1], alpha >= 0, beta >= 0,
            alpha.isFinite, beta.isFinite
        else {
            throw ValidationErrorMessage("cannot read '\(text)': expected synthetic:ALPHA,BETA with ALPHA, BETA ≥ 0")
        }
        return (alpha, beta)
    }
}

/// An error whose description is its message.
struct ValidationErrorMessage: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
