import ConcordFederation

/// What the coordinator sends one participant at the start of a round.
public struct SecureAggregationSetup: Sendable, Equatable {
    /// The round number.
    public var round: Int
    /// 16 random bytes naming this round's protocol run; every derived key and share is bound to it.
    public var session: [UInt8]
    /// The participant addressed.
    public var participant: Int
    /// Its neighbours in the round's graph.
    public var neighbours: [Int]
    /// The round's parameters.
    public var plan: SecureAggregationPlan
    /// What to train.
    public var instruction: FitInstruction
    /// How to weigh the update.
    public var weighting: SumWeighting

    /// Creates a setup message.
    public init(
        round: Int, session: [UInt8], participant: Int, neighbours: [Int], plan: SecureAggregationPlan,
        instruction: FitInstruction, weighting: SumWeighting
    ) {
        self.round = round
        self.session = session
        self.participant = participant
        self.neighbours = neighbours
        self.plan = plan
        self.instruction = instruction
        self.weighting = weighting
    }
}

/// A participant's two X25519 public keys for one round.
public struct AdvertisedKeys: Sendable, Equatable {
    /// The owner.
    public var participant: Int
    /// For the keys that encrypt Shamir shares between neighbours (c_pk).
    public var encryptionKey: [UInt8]
    /// For the pairwise mask seeds (s_pk).
    public var maskKey: [UInt8]

    /// Creates a key advertisement.
    public init(participant: Int, encryptionKey: [UInt8], maskKey: [UInt8]) {
        self.participant = participant
        self.encryptionKey = encryptionKey
        self.maskKey = maskKey
    }
}

/// A participant's shares of its self-mask seed and mask key for one neighbour, sealed with AES-GCM
/// under a key only the two share, and bound to (session, round, sender, receiver).
public struct EncryptedShare: Sendable, Equatable {
    /// Who made the shares.
    public var sender: Int
    /// Who may open them.
    public var receiver: Int
    /// Nonce, ciphertext and tag.
    public var ciphertext: [UInt8]

    /// Creates a sealed share.
    public init(sender: Int, receiver: Int, ciphertext: [UInt8]) {
        self.sender = sender
        self.receiver = receiver
        self.ciphertext = ciphertext
    }
}

/// Which of a participant's two secrets a share reconstructs.
public enum SecretKind: String, Sendable, Equatable {
    /// The self-mask seed b_u: revealed for participants whose masked input is in the sum.
    case selfMask
    /// The mask private key s_sk: revealed for participants that dropped before sending their input.
    case maskKey
}

/// One Shamir share a survivor reveals in the unmasking stage.
public struct RevealedShare: Sendable, Equatable {
    /// Whose secret it is a share of.
    public var owner: Int
    /// Which secret.
    public var kind: SecretKind
    /// The share's point.
    public var x: UInt64
    /// The share's values, one per 32-bit limb.
    public var limbs: [UInt64]

    /// Creates a revealed share.
    public init(owner: Int, kind: SecretKind, x: UInt64, limbs: [UInt64]) {
        self.owner = owner
        self.kind = kind
        self.x = x
        self.limbs = limbs
    }
}

/// Whose secrets the coordinator asks one survivor to help reconstruct.
public struct UnmaskRequest: Sendable, Equatable {
    /// The round.
    public var round: Int
    /// Neighbours whose masked input is in the sum: reveal their self-mask shares.
    public var survivors: [Int]
    /// Neighbours that shared keys but sent no input: reveal their mask-key shares.
    public var dropped: [Int]

    /// Creates a request.
    public init(round: Int, survivors: [Int], dropped: [Int]) {
        self.round = round
        self.survivors = survivors
        self.dropped = dropped
    }
}

/// A message from the coordinator to a participant, one per stage.
public enum SecureAggregationRequest: Sendable {
    /// Stage 1: take part in this round and advertise keys.
    case advertiseKeys(SecureAggregationSetup)
    /// Stage 2: the neighbours' keys (those that advertised); share your secrets with them.
    case shareKeys(round: Int, keys: [AdvertisedKeys])
    /// Stage 3: the shares your neighbours sent you; train and send your masked input.
    case maskedInput(round: Int, shares: [EncryptedShare])
    /// Stage 4: reveal what the request names.
    case unmask(UnmaskRequest)

    /// The stage this request belongs to.
    public var stage: SecureAggregationStage {
        switch self {
        case .advertiseKeys: .advertiseKeys
        case .shareKeys: .shareKeys
        case .maskedInput: .maskedInput
        case .unmask: .unmask
        }
    }
}

/// A participant's answer to a ``SecureAggregationRequest``.
public enum SecureAggregationResponse: Sendable {
    /// Stage 1.
    case keys(AdvertisedKeys)
    /// Stage 2: one sealed share per neighbour.
    case shares([EncryptedShare])
    /// Stage 3: the masked, quantised, weighted update.
    case maskedInput(ModularVector)
    /// Stage 4.
    case unmasking([RevealedShare])
}

/// A participant that speaks secure aggregation, in-process or over the wire.
public protocol SecureAggregationPeer: ClientProxy {
    /// Answers one stage's request.
    func secureAggregation(_ request: SecureAggregationRequest) async throws -> SecureAggregationResponse
}
