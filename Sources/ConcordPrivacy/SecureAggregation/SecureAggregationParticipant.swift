import Crypto
import Foundation

/// One participant's side of a SecAgg+ round (Bell et al. 2020, after Bonawitz et al. 2017), as a
/// state machine: each stage's method is valid only after the previous one, and any violation aborts
/// the participant for the round (it then answers nothing more, like a dropout).
///
/// What it guarantees the participant: its masked input reveals nothing without the masks; shares go
/// only to its neighbours, sealed to each; it never reveals both secrets of one neighbour, and reveals
/// nothing unless the round is consistent (the coordinator's unmask request names only neighbours that
/// shared with it, each once).
public struct SecureAggregationParticipant: Sendable {
    /// Where the participant is in the round.
    public enum State: Equatable, Sendable {
        /// Waiting for the setup.
        case idle
        /// Keys advertised; waiting for the neighbours' keys.
        case advertised
        /// Shares sent; waiting for the shares addressed to it.
        case shared
        /// Masked input sent; waiting for the unmask request.
        case masked
        /// Unmasking shares sent: the round is over for it.
        case finished
        /// A violation ended the round for it.
        case aborted(String)
    }

    /// The participant's identifier.
    public let id: Int
    /// Where it is.
    public private(set) var state: State = .idle
    private var setup: SecureAggregationSetup?
    private var encryptionKey = Curve25519.KeyAgreement.PrivateKey()
    private var maskKey = Curve25519.KeyAgreement.PrivateKey()
    private var neighbourKeys: [Int: AdvertisedKeys] = [:]
    /// The self-mask seed b_u, kept until the round ends.
    private var selfMaskSeed: [UInt8] = []
    /// The neighbours' shares it holds, by owner.
    private var held: [Int: (selfMask: [UInt64], maskKey: [UInt64])] = [:]

    /// Creates the participant's state for one round.
    public init(id: Int) { self.id = id }

    /// Stage 1: checks the setup and returns fresh public keys for this round.
    ///
    /// - Throws: ``SecureAggregationError`` when the setup is not for this participant, names it among its
    ///   own neighbours, or its plan fails ``SecureAggregationPlan/validate(checkingModulus:)``.
    public mutating func advertiseKeys(_ setup: SecureAggregationSetup) throws(SecureAggregationError) -> AdvertisedKeys
    {
        try step(from: .idle, to: .advertised) { (me: inout Self) throws(SecureAggregationError) in
            guard setup.participant == me.id else {
                throw .protocolViolation("a setup for participant \(setup.participant) reached participant \(me.id)")
            }
            guard setup.session.count == 16 else { throw .protocolViolation("a session identifier must be 16 bytes") }
            try setup.plan.validate()
            let neighbours = Set(setup.neighbours)
            guard neighbours.count == setup.neighbours.count, !neighbours.contains(me.id),
                setup.neighbours.count == setup.plan.neighbours, setup.neighbours.allSatisfy({ $0 >= 0 })
            else {
                throw .protocolViolation("the neighbour list does not match the plan's degree \(setup.plan.neighbours)")
            }
            guard setup.instruction.parameters.count == setup.plan.dimension else {
                throw .protocolViolation("the plan's dimension differs from the model's")
            }
            me.setup = setup
            return AdvertisedKeys(
                participant: me.id, encryptionKey: Array(me.encryptionKey.publicKey.rawRepresentation),
                maskKey: Array(me.maskKey.publicKey.rawRepresentation))
        }
    }

    /// Stage 2: Shamir-shares a fresh self-mask seed and the mask private key t-of-|keys| among the
    /// neighbours whose keys the coordinator forwarded, and seals each neighbour's shares to it.
    ///
    /// - Throws: ``SecureAggregationError`` for keys from non-neighbours, repeated participants or keys,
    ///   or fewer neighbours than the threshold.
    public mutating func shareKeys(_ keys: [AdvertisedKeys]) throws(SecureAggregationError) -> [EncryptedShare] {
        try step(from: .advertised, to: .shared) { (me: inout Self) throws(SecureAggregationError) in
            let setup = me.setup!
            let allowed = Set(setup.neighbours)
            var byOwner: [Int: AdvertisedKeys] = [:]
            var seenKeys = Set([me.encryptionKey.publicKey.rawRepresentation, me.maskKey.publicKey.rawRepresentation])
            for key in keys {
                guard allowed.contains(key.participant), byOwner.updateValue(key, forKey: key.participant) == nil else {
                    throw .protocolViolation("keys from participant \(key.participant), not a neighbour or repeated")
                }
                for raw in [key.encryptionKey, key.maskKey] {
                    guard seenKeys.insert(Data(raw)).inserted else {
                        throw .protocolViolation("participant \(key.participant) advertised a key already in use")
                    }
                }
            }
            guard byOwner.count >= setup.plan.threshold else {
                throw .roundFailed(
                    "\(byOwner.count) neighbours advertised keys; the threshold is \(setup.plan.threshold)")
            }
            me.neighbourKeys = byOwner
            let holders = byOwner.keys.sorted()
            var random = SystemRandomNumberGenerator()
            let seed = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) }
            let points = holders.map { UInt64($0) + 1 }
            let t = setup.plan.threshold
            let seedShares = try ShamirSharing.split(seed, threshold: t, points: points, using: &random)
            let keyShares = try ShamirSharing.split(
                Array(me.maskKey.rawRepresentation), threshold: t, points: points, using: &random)
            me.selfMaskSeed = seed
            var sealed: [EncryptedShare] = []
            for (index, holder) in holders.enumerated() {
                let peer = try SecureAggregationCrypto.publicKey(byOwner[holder]!.encryptionKey, of: holder)
                let key = try SecureAggregationCrypto.pairKey(
                    "share", own: me.encryptionKey, peer: peer, session: setup.session, round: setup.round,
                    between: me.id, and: holder)
                let plaintext = Self.bytes(seedShares[index].limbs + keyShares[index].limbs)
                let data = SecureAggregationCrypto.associatedData(
                    session: setup.session, round: setup.round, sender: me.id, receiver: holder)
                sealed.append(
                    EncryptedShare(
                        sender: me.id, receiver: holder,
                        ciphertext: try SecureAggregationCrypto.seal(plaintext, key: key, associatedData: data)))
            }
            return sealed
        }
    }

    /// Stage 3: opens the shares addressed to it, then masks `input` (the quantised, weighted update)
    /// with its self mask and one pairwise mask per neighbour that shared with it.
    ///
    /// - Throws: ``SecureAggregationError/decryptionFailed(_:)`` for a share that does not authenticate
    ///   (tampered, replayed from another round or pair); ``SecureAggregationError/protocolViolation(_:)``
    ///   for shares from strangers, repeated senders, or an input that does not fit the plan.
    public mutating func maskInput(
        _ shares: [EncryptedShare], input: ModularVector
    ) throws(SecureAggregationError)
        -> ModularVector
    {
        try step(from: .shared, to: .masked) { (me: inout Self) throws(SecureAggregationError) in
            let setup = me.setup!
            guard input.count == setup.plan.length, input.modulusBits == setup.plan.modulusBits else {
                throw .protocolViolation("an input of \(input.count) words for a plan of \(setup.plan.length)")
            }
            let limbs = me.selfMaskSeed.count / 4
            for share in shares {
                guard share.receiver == me.id, let keys = me.neighbourKeys[share.sender], me.held[share.sender] == nil
                else {
                    throw .protocolViolation("a share from participant \(share.sender) that it may not send here")
                }
                let peer = try SecureAggregationCrypto.publicKey(keys.encryptionKey, of: share.sender)
                let key = try SecureAggregationCrypto.pairKey(
                    "share", own: me.encryptionKey, peer: peer, session: setup.session, round: setup.round,
                    between: me.id, and: share.sender)
                let data = SecureAggregationCrypto.associatedData(
                    session: setup.session, round: setup.round, sender: share.sender, receiver: me.id)
                let values = Self.words(
                    try SecureAggregationCrypto.open(
                        share.ciphertext, key: key, associatedData: data, from: share.sender))
                guard values.count == 2 * limbs else {
                    throw .protocolViolation("the share from participant \(share.sender) has the wrong length")
                }
                me.held[share.sender] = (Array(values[..<limbs]), Array(values[limbs...]))
            }
            var masks = [MaskExpansion.Mask(seed: SymmetricKey(data: me.selfMaskSeed), subtract: false)]
            for neighbour in me.held.keys.sorted() {
                let peer = try SecureAggregationCrypto.publicKey(me.neighbourKeys[neighbour]!.maskKey, of: neighbour)
                let seed = try SecureAggregationCrypto.pairKey(
                    "mask", own: me.maskKey, peer: peer, session: setup.session, round: setup.round,
                    between: me.id, and: neighbour)
                // The smaller identifier adds, the larger subtracts: the pair's masks cancel in the sum.
                masks.append(MaskExpansion.Mask(seed: seed, subtract: me.id > neighbour))
            }
            var masked = input
            MaskExpansion.apply(masks, to: &masked)
            return masked
        }
    }

    /// Stage 4: reveals the self-mask share of each surviving neighbour and the mask-key share of each
    /// dropped one.
    ///
    /// - Throws: ``SecureAggregationError`` when the request names a neighbour that did not share with
    ///   it, names one in both lists (that would unmask its input), or leaves fewer than t − 1 surviving
    ///   neighbours besides itself, too few for any secret of the round to be rebuilt.
    public mutating func unmask(_ request: UnmaskRequest) throws(SecureAggregationError) -> [RevealedShare] {
        try step(from: .masked, to: .finished) { (me: inout Self) throws(SecureAggregationError) in
            let setup = me.setup!
            guard request.round == setup.round else {
                throw .protocolViolation("an unmask request for round \(request.round) in round \(setup.round)")
            }
            let survivors = Set(request.survivors), dropped = Set(request.dropped)
            if let both = survivors.intersection(dropped).min() { throw .wouldRevealBoth(participant: both) }
            guard survivors.count == request.survivors.count, dropped.count == request.dropped.count,
                survivors.union(dropped).isSubset(of: me.held.keys)
            else {
                throw .protocolViolation(
                    "the unmask request names participants that did not share with participant \(me.id)")
            }
            guard survivors.count + 1 >= setup.plan.threshold else {
                throw .roundFailed(
                    "only \(survivors.count + 1) survivors around participant \(me.id); the threshold is \(setup.plan.threshold)"
                )
            }
            let x = UInt64(me.id) + 1
            let revealed =
                request.survivors.sorted().map {
                    RevealedShare(owner: $0, kind: .selfMask, x: x, limbs: me.held[$0]!.selfMask)
                }
                + request.dropped.sorted().map {
                    RevealedShare(owner: $0, kind: .maskKey, x: x, limbs: me.held[$0]!.maskKey)
                }
            me.held = [:]
            return revealed
        }
    }

    /// Runs one transition: valid only from `from`; success moves to `to`, failure aborts.
    private mutating func step<R>(
        from: State, to: State, _ body: (inout Self) throws(SecureAggregationError) -> R
    ) throws(SecureAggregationError) -> R {
        guard state == from else {
            throw .protocolViolation("participant \(id) is \(state), not \(from), so it cannot take this message")
        }
        do {
            let result = try body(&self)
            state = to
            return result
        } catch {
            state = .aborted(error.description)
            throw error
        }
    }

    private static func bytes(_ words: [UInt64]) -> [UInt8] {
        words.flatMap { word in withUnsafeBytes(of: word.littleEndian) { Array($0) } }
    }

    private static func words(_ bytes: [UInt8]) -> [UInt64] {
        guard bytes.count % 8 == 0 else { return [] }
        return stride(from: 0, to: bytes.count, by: 8).map { start in
            bytes[start..<start + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
    }
}
