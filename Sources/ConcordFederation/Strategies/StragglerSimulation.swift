import ConcordTensor

/// Systems heterogeneity as the FedProx paper simulates it (Li et al. 2020, Section 5.1): in every round
/// a fixed fraction of the sampled participants are stragglers that can only do partial work, a number
/// of local epochs drawn uniformly from 1…E−1 (1 when E = 1).
///
/// What happens to their work is the strategy's choice: FedAvg drops stragglers (they are given no
/// work), FedProx aggregates whatever they return.
public struct StragglerSimulation: Sendable, Equatable, Codable {
    /// The fraction of each round's participants that straggle, in [0, 1].
    public var fraction: Double
    /// Whether stragglers' partial work is aggregated (FedProx) or the stragglers are dropped (FedAvg).
    public var aggregatesPartialWork: Bool

    /// Creates the simulation.
    public init(fraction: Double, aggregatesPartialWork: Bool) {
        self.fraction = fraction
        self.aggregatesPartialWork = aggregatesPartialWork
    }

    /// No stragglers.
    public static let none = StragglerSimulation(fraction: 0, aggregatesPartialWork: true)

    /// This round's stragglers among `participants` and the epochs each can do, from the round's seed:
    /// the FedProx code's rule, round(m·(1 − fraction)) participants do full work.
    public func stragglers(among participants: [Int], epochs: Int, seed: UInt64) -> [Int: Int] {
        guard fraction > 0, !participants.isEmpty else { return [:] }
        var generator = SeededGenerator(seed: seed).derived(0x5752_4147_474C_4552)
        let full = Int((Double(participants.count) * (1 - min(1, fraction))).rounded())
        var pool = participants
        pool.shuffle(using: &generator)
        var partial: [Int: Int] = [:]
        for participant in pool.dropFirst(full).sorted() {
            partial[participant] = epochs > 1 ? 1 + Int(generator.next() % UInt64(epochs - 1)) : 1
        }
        return partial
    }
}
