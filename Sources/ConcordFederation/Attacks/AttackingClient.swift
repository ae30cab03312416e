import ConcordData
import ConcordTensor

/// A participant that mounts a model-poisoning ``Attack``: it trains honestly through the proxy it
/// wraps, then sends w_global + attack(Δ) instead of w_global + Δ. The noise of `gaussian` is drawn from
/// the instruction's seed, so an attacked run is as reproducible as any other.
public struct AttackingClient: ClientProxy {
    /// The honest participant underneath.
    public let honest: any ClientProxy
    /// The attack.
    public let attack: Attack

    /// Wraps an honest participant.
    public init(honest: any ClientProxy, attack: Attack) {
        self.honest = honest
        self.attack = attack
    }

    /// The wrapped participant's id.
    public var id: Int { honest.id }

    /// The honest update, poisoned.
    public func fit(_ instruction: FitInstruction) async throws -> ClientUpdate {
        var update = try await honest.fit(instruction)
        let global = instruction.parameters.values
        var generator = SeededGenerator(seed: instruction.config.seed).derived(0x4154_5441_434B)
        var values = update.parameters.values
        guard values.count == global.count else { return update }
        for i in values.indices {
            let delta = values[i] - global[i]
            let poisoned: Float =
                switch attack {
                case .signFlip(let k): -k * delta
                case .gaussian(let sigma): sigma * Float(generator.nextGaussian())
                case .scaling(let factor): factor * delta
                case .labelFlip: delta
                }
            values[i] = global[i] + poisoned
        }
        update.parameters.values = values
        return update
    }

    /// Evaluation is not attacked.
    public func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        try await honest.evaluate(parameters)
    }
}
