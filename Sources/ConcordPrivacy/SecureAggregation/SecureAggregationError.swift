/// Why a secure-aggregation round, or one participant's part in it, cannot go on.
public enum SecureAggregationError: Error, Equatable, CustomStringConvertible {
    /// Settings that are out of range or cannot be met (no modulus fits, too few participants).
    case invalidSettings(String)
    /// A message out of order, for another round, from a stranger, repeated, or malformed.
    case protocolViolation(String)
    /// A share ciphertext that does not authenticate: tampered with, replayed, or misaddressed.
    case decryptionFailed(String)
    /// A request that would give the coordinator both the self-mask seed and the mask key of one
    /// participant, which together unmask its individual input.
    case wouldRevealBoth(participant: Int)
    /// A secret could not be recovered (too few shares survived, or they disagree).
    case reconstructionFailed(String)
    /// The round cannot complete; nothing was revealed and the previous model stands.
    case roundFailed(String)
    /// A simulated participant vanished at this stage.
    case droppedOut(stage: SecureAggregationStage)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .invalidSettings(let detail): "invalid secure-aggregation settings: \(detail)"
        case .protocolViolation(let detail): "secure-aggregation protocol violation: \(detail)"
        case .decryptionFailed(let detail): "a share did not authenticate: \(detail)"
        case .wouldRevealBoth(let participant):
            "refused: the coordinator would hold both the self-mask and the mask-key shares of participant \(participant)"
        case .reconstructionFailed(let detail): "a secret could not be reconstructed: \(detail)"
        case .roundFailed(let detail): "the secure-aggregation round failed: \(detail)"
        case .droppedOut(let stage): "dropped out at the \(stage.rawValue) stage (simulated)"
        }
    }
}

/// The four stages of a SecAgg+ round, in order.
public enum SecureAggregationStage: String, Sendable, Codable, CaseIterable {
    /// Participants send their two public keys.
    case advertiseKeys = "advertise-keys"
    /// Participants send encrypted Shamir shares of their secrets to their neighbours.
    case shareKeys = "share-keys"
    /// Participants train and send their masked, quantised update.
    case maskedInput = "masked-input"
    /// Survivors reveal the shares that remove the masks.
    case unmask

    /// The prefix of this stage's timings in a round's metrics ("secagg_masked_input").
    public var metricPrefix: String { "secagg_" + rawValue.replacingOccurrences(of: "-", with: "_") }
}
