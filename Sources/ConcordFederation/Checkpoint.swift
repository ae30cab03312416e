import Foundation

/// A run's state between rounds: the global parameters, the strategy's state (moments, control
/// variates) and the rounds run so far. Resuming from it continues the run exactly as if it had never
/// stopped, because every other draw derives from the run's seed and the round number.
public struct Checkpoint: Sendable, Equatable, Codable {
    /// The global parameters after the last completed round.
    public var parameters: Parameters
    /// The strategy's type, e.g. "FedOpt<WeightedMean, FedAdam>"; resuming with another type is refused.
    public var strategyType: String
    /// The strategy, encoded as JSON.
    public var strategyState: Data
    /// The rounds run so far; the next round is `history.count + 1`.
    public var history: [RoundRecord]

    /// Captures a run's state.
    ///
    /// - Throws: an `EncodingError` when the strategy cannot encode itself.
    public init(parameters: Parameters, strategy: any Strategy, history: [RoundRecord]) throws {
        self.parameters = parameters
        self.strategyType = Self.typeName(of: strategy)
        self.strategyState = try Self.encoder.encode(strategy)
        self.history = history
    }

    /// The checkpointed strategy, decoded as the type of `template`, with what `template` holds that a checkpoint
    /// never stores (``Strategy/resuming(_:)``).
    ///
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` when the state is not that type's.
    public func strategy<S: Strategy>(like template: S) throws -> S {
        guard Self.typeName(of: template) == strategyType else {
            throw FederationError.invalidConfiguration(
                "the checkpoint holds a \(strategyType), not a \(Self.typeName(of: template))")
        }
        do {
            return template.resuming(try Self.decoder.decode(S.self, from: strategyState))
        } catch {
            throw FederationError.invalidConfiguration(
                "the checkpoint's strategy state is not a \(S.self)'s: \(error)")
        }
    }

    static func typeName(of strategy: some Strategy) -> String {
        String(describing: type(of: strategy))
    }

    /// Sorted keys (equal values give equal bytes); non-finite floats as "inf", "-inf", "nan".
    package static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// Reads what ``encoder`` writes.
    package static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
