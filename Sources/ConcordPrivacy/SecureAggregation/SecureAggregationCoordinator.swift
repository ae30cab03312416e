import ConcordFederation
import Crypto
import Foundation

/// The coordinator's side of a SecAgg+ round, as a state machine over the four stages. Participants'
/// messages are taken with `receive…` and each stage is closed with `close…`, which decides who goes on
/// and what each participant is sent next; ``finish()`` reconstructs the masks and returns the sum.
///
/// Honest-but-curious: it follows the protocol, and the protocol keeps it from learning more than the
/// sum. It refuses, with ``SecureAggregationError/wouldRevealBoth(participant:)``, anything that would
/// put both the self-mask shares and the mask-key shares of one participant in its hands.
public struct SecureAggregationCoordinator: Sendable {
    /// Where the round is.
    public enum State: Equatable, Sendable {
        /// Collecting public keys.
        case advertising
        /// Collecting sealed shares.
        case sharing
        /// Collecting masked inputs.
        case collectingInputs
        /// Collecting revealed shares.
        case unmasking
        /// The sum was produced.
        case finished
    }

    /// The round number.
    public let round: Int
    /// The round's session identifier.
    public let session: [UInt8]
    /// The round's parameters.
    public let plan: SecureAggregationPlan
    /// Everyone's neighbours.
    public let graph: [Int: [Int]]
    /// Where the round is.
    public private(set) var state: State = .advertising

    private var keys: [Int: AdvertisedKeys] = [:]
    private var shared: [Int: [EncryptedShare]] = [:]
    private var inputs: [Int: ModularVector] = [:]
    /// U1, U2, U3: who advertised keys, who shared, whose input is in the sum.
    public private(set) var advertised: Set<Int> = []
    /// Participants whose shares reached their neighbours.
    public private(set) var sharers: Set<Int> = []
    /// Participants whose masked input is in the sum.
    public private(set) var contributors: Set<Int> = []
    /// What the coordinator may learn of each participant: never both kinds.
    private var entitlement: [Int: SecretKind] = [:]
    private var requests: [Int: UnmaskRequest] = [:]
    private var revealed: [Int: [RevealedShare]] = [:]

    /// Starts a round over `participants` with a fresh session and a freshly relabelled graph.
    ///
    /// - Throws: ``SecureAggregationError/invalidSettings(_:)`` when the plan does not fit the participants.
    public init<G: RandomNumberGenerator>(
        round: Int, participants: [Int], plan: SecureAggregationPlan, using generator: inout G
    ) throws(SecureAggregationError) {
        try plan.validate()
        guard participants.count == plan.participantCount else {
            throw .invalidSettings("a plan for \(plan.participantCount) participants used with \(participants.count)")
        }
        guard participants.allSatisfy({ $0 >= 0 && UInt64($0) < MersenneField.modulus - 1 }) else {
            throw .invalidSettings("participant identifiers must be non-negative and below 2⁶¹ − 2")
        }
        self.round = round
        self.plan = plan
        self.session = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        self.graph = try HararyGraph(participants: participants, degree: plan.neighbours, using: &generator).neighbours
    }

    /// The setup message for each participant.
    public func setup(
        for participant: Int, instruction: FitInstruction, weighting: SumWeighting
    )
        -> SecureAggregationSetup
    {
        SecureAggregationSetup(
            round: round, session: session, participant: participant, neighbours: graph[participant] ?? [],
            plan: plan, instruction: instruction, weighting: weighting)
    }

    // MARK: Stage 1, advertise keys

    /// Takes a participant's public keys.
    ///
    /// - Throws: ``SecureAggregationError/protocolViolation(_:)`` out of stage, from a stranger, for
    ///   another participant, or a second time.
    public mutating func receiveKeys(
        _ advertisement: AdvertisedKeys, from participant: Int
    ) throws(SecureAggregationError) {
        try expect(.advertising, participant)
        guard advertisement.participant == participant, keys[participant] == nil else {
            throw .protocolViolation("participant \(participant) sent keys for \(advertisement.participant) or twice")
        }
        guard advertisement.encryptionKey.count == 32, advertisement.maskKey.count == 32 else {
            throw .protocolViolation("participant \(participant) sent keys that are not X25519 public keys")
        }
        keys[participant] = advertisement
    }

    /// Ends stage 1: participants with fewer than t neighbours that advertised are left out (their
    /// secrets could never be rebuilt), repeatedly until all that remain have enough; each is sent its
    /// remaining neighbours' keys.
    ///
    /// - Throws: ``SecureAggregationError/roundFailed(_:)`` when fewer than three remain.
    public mutating func closeAdvertising() throws(SecureAggregationError) -> [Int: [AdvertisedKeys]] {
        try expect(.advertising)
        // Two participants with the same key would share masks with everyone alike: refuse both.
        var owners: [Data: [Int]] = [:]
        for (participant, key) in keys {
            owners[Data(key.encryptionKey), default: []].append(participant)
            owners[Data(key.maskKey), default: []].append(participant)
        }
        var live = Set(keys.keys)
        for sharing in owners.values where sharing.count > 1 { live.subtract(sharing) }
        live = prune(live)
        guard live.count >= 3 else {
            throw .roundFailed("only \(live.count) participants advertised keys with enough live neighbours")
        }
        advertised = live
        state = .sharing
        var messages: [Int: [AdvertisedKeys]] = [:]
        for participant in live {
            messages[participant] = graph[participant, default: []].filter(live.contains).map { keys[$0]! }
        }
        return messages
    }

    // MARK: Stage 2, share keys

    /// Takes a participant's sealed shares: exactly one for each of its neighbours that advertised.
    ///
    /// - Throws: ``SecureAggregationError/protocolViolation(_:)`` out of stage, from a participant that
    ///   was not sent keys, or with shares missing, repeated or misaddressed.
    public mutating func receiveShares(_ shares: [EncryptedShare], from participant: Int) throws(SecureAggregationError)
    {
        try expect(.sharing, participant)
        guard advertised.contains(participant), shared[participant] == nil else {
            throw .protocolViolation("participant \(participant) may not send shares now")
        }
        let expected = Set(graph[participant, default: []].filter(advertised.contains))
        let receivers = shares.map(\.receiver)
        guard shares.allSatisfy({ $0.sender == participant }), Set(receivers) == expected,
            receivers.count == expected.count
        else {
            throw .protocolViolation("participant \(participant)'s shares are not one for each live neighbour")
        }
        shared[participant] = shares
    }

    /// Ends stage 2: each participant that shared receives the shares its sharing neighbours made for it.
    ///
    /// - Throws: ``SecureAggregationError/roundFailed(_:)`` when fewer than three shared with enough
    ///   sharing neighbours to rebuild their secrets.
    public mutating func closeSharing() throws(SecureAggregationError) -> [Int: [EncryptedShare]] {
        try expect(.sharing)
        let live = prune(Set(shared.keys))
        guard live.count >= 3 else {
            throw .roundFailed("only \(live.count) participants shared keys with enough sharing neighbours")
        }
        sharers = live
        state = .collectingInputs
        var routed: [Int: [EncryptedShare]] = [:]
        for participant in live { routed[participant] = [] }
        for sender in live.sorted() {
            for share in shared[sender]! where live.contains(share.receiver) {
                routed[share.receiver]!.append(share)
            }
        }
        return routed
    }

    // MARK: Stage 3, masked input

    /// Takes a participant's masked input.
    ///
    /// - Throws: ``SecureAggregationError/protocolViolation(_:)`` out of stage (a late input is refused:
    ///   its mask key may already be requested), from a participant that was not sent shares, twice, or
    ///   of the wrong size.
    public mutating func receiveInput(_ input: ModularVector, from participant: Int) throws(SecureAggregationError) {
        try expect(.collectingInputs, participant)
        guard sharers.contains(participant), inputs[participant] == nil else {
            throw .protocolViolation("participant \(participant) may not send a masked input now")
        }
        guard input.count == plan.length, input.modulusBits == plan.modulusBits else {
            throw .protocolViolation(
                "participant \(participant) sent \(input.count) words mod 2^\(input.modulusBits); the plan has \(plan.length) mod 2^\(plan.modulusBits)"
            )
        }
        inputs[participant] = input
    }

    /// Ends stage 3: the inputs received are the ones summed; each contributor is asked for the self-mask
    /// shares of its contributing neighbours and the mask-key shares of its neighbours that shared but sent
    /// no input.
    ///
    /// - Throws: ``SecureAggregationError/roundFailed(_:)`` when fewer than t inputs arrived (a smaller sum
    ///   would say too much about each), or ``SecureAggregationError/wouldRevealBoth(participant:)``.
    public mutating func closeInputs() throws(SecureAggregationError) -> [Int: UnmaskRequest] {
        try expect(.collectingInputs)
        let contributing = Set(inputs.keys)
        guard contributing.count >= max(3, plan.threshold) else {
            throw .roundFailed(
                "only \(contributing.count) masked inputs arrived; at least \(max(3, plan.threshold)) are needed")
        }
        for participant in contributing { try entitle(.selfMask, participant) }
        for participant in sharers.subtracting(contributing) { try entitle(.maskKey, participant) }
        contributors = contributing
        state = .unmasking
        for participant in contributing {
            let around = graph[participant, default: []].filter(sharers.contains)
            requests[participant] = UnmaskRequest(
                round: round, survivors: around.filter(contributing.contains),
                dropped: around.filter { !contributing.contains($0) })
        }
        return requests
    }

    /// Records that the coordinator may learn `kind` of `participant`, refusing the other kind ever after.
    mutating func entitle(_ kind: SecretKind, _ participant: Int) throws(SecureAggregationError) {
        if let existing = entitlement[participant], existing != kind {
            throw .wouldRevealBoth(participant: participant)
        }
        entitlement[participant] = kind
    }

    // MARK: Stage 4, unmask

    /// Takes a survivor's revealed shares: exactly what it was asked for.
    ///
    /// - Throws: ``SecureAggregationError/wouldRevealBoth(participant:)`` for a share of the kind the
    ///   coordinator must not hold; ``SecureAggregationError/protocolViolation(_:)`` out of stage, from a
    ///   participant not asked, twice, or not matching the request.
    public mutating func receiveUnmasking(
        _ shares: [RevealedShare], from participant: Int
    ) throws(SecureAggregationError) {
        try expect(.unmasking, participant)
        guard let request = requests[participant], revealed[participant] == nil else {
            throw .protocolViolation("participant \(participant) was not asked to unmask, or answered twice")
        }
        for share in shares where entitlement[share.owner] != share.kind {
            guard entitlement[share.owner] != nil else {
                throw .protocolViolation(
                    "participant \(participant) revealed a share of \(share.owner), who is not in the round")
            }
            throw .wouldRevealBoth(participant: share.owner)
        }
        let expected = Set(request.survivors.map { "\($0)s" } + request.dropped.map { "\($0)k" })
        let got = shares.map { "\($0.owner)\($0.kind == .selfMask ? "s" : "k")" }
        guard Set(got) == expected, got.count == expected.count,
            shares.allSatisfy({ $0.x == UInt64(participant) + 1 })
        else {
            throw .protocolViolation("participant \(participant)'s shares do not match the unmask request")
        }
        revealed[participant] = shares
    }

    /// Ends the round: rebuilds each contributor's self-mask seed and each dropped sharer's mask key from
    /// t shares (checking any further ones, and each rebuilt key against its advertised public key),
    /// removes the masks and returns the sum of exactly the contributors' inputs.
    ///
    /// - Throws: ``SecureAggregationError/reconstructionFailed(_:)`` when a secret has fewer than t
    ///   shares or they disagree; nothing is revealed then.
    public mutating func finish(
        threads: Int = 1
    ) throws(SecureAggregationError) -> (sum: ModularVector, contributors: [Int]) {
        try expect(.unmasking)
        var shares: [Int: [ShamirSharing.Share]] = [:]
        for (_, list) in revealed {
            for share in list {
                shares[share.owner, default: []].append(ShamirSharing.Share(x: share.x, limbs: share.limbs))
            }
        }
        var masks: [MaskExpansion.Mask] = []
        for participant in contributors.sorted() {
            let seed = try rebuild(participant, from: shares[participant] ?? [])
            masks.append(MaskExpansion.Mask(seed: SymmetricKey(data: seed), subtract: true))
        }
        for dropped in sharers.subtracting(contributors).sorted() {
            // Only contributors that masked with the dropped participant need their pairwise mask removed.
            let affected = graph[dropped, default: []].filter(contributors.contains)
            guard !affected.isEmpty else { continue }
            let raw = try rebuild(dropped, from: shares[dropped] ?? [])
            guard let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw),
                Array(key.publicKey.rawRepresentation) == keys[dropped]!.maskKey
            else {
                throw .reconstructionFailed("participant \(dropped)'s rebuilt mask key does not match its public key")
            }
            for neighbour in affected {
                let peer = try SecureAggregationCrypto.publicKey(keys[neighbour]!.maskKey, of: neighbour)
                let seed = try SecureAggregationCrypto.pairKey(
                    "mask", own: key, peer: peer, session: session, round: round, between: neighbour, and: dropped)
                // The neighbour added the pair's mask if its identifier is the smaller: undo exactly that.
                masks.append(MaskExpansion.Mask(seed: seed, subtract: neighbour < dropped))
            }
        }
        let ordered = contributors.sorted()
        var sum = inputs[ordered[0]]!
        for participant in ordered.dropFirst() { try sum.add(inputs[participant]!) }
        MaskExpansion.apply(masks, to: &sum, threads: threads)
        state = .finished
        inputs = [:]
        return (sum, ordered)
    }

    private func rebuild(
        _ participant: Int, from shares: [ShamirSharing.Share]
    ) throws(SecureAggregationError) -> [UInt8] {
        guard shares.count >= plan.threshold else {
            throw .reconstructionFailed(
                "\(shares.count) shares of participant \(participant)'s secret survived; \(plan.threshold) are needed")
        }
        do {
            return try ShamirSharing.reconstruct(shares.sorted { $0.x < $1.x }, threshold: plan.threshold)
        } catch {
            throw .reconstructionFailed("participant \(participant): \(error)")
        }
    }

    /// Repeatedly removes participants with fewer than t neighbours among those still in.
    private func prune(_ candidates: Set<Int>) -> Set<Int> {
        var live = candidates
        while let weak = live.first(where: { graph[$0, default: []].count(where: live.contains) < plan.threshold }) {
            live.remove(weak)
        }
        return live
    }

    private func expect(_ expected: State, _ participant: Int? = nil) throws(SecureAggregationError) {
        guard state == expected else {
            let who = participant.map { " from participant \($0)" } ?? ""
            throw .protocolViolation("a \(expected) message\(who) arrived while the round is \(state)")
        }
        if let participant, graph[participant] == nil {
            throw .protocolViolation("participant \(participant) is not in this round")
        }
    }
}
