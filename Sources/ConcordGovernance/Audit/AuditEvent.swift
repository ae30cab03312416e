/// The events a coordinator records, with the payload each kind carries. ``AuditLog/append(_:signedBy:at:)`` turns
/// one into an entry. Reals are ``CanonicalValue/real(_:)`` strings; hashes are lowercase hex SHA-256.
public enum AuditEvent: Sendable, Equatable {
    /// A run began under a charter: `{"charter","model","layout_hash","strategy","rounds","noise_multiplier"
    /// (or null),"delta","epsilon_budget" (or null),"secure_aggregation"}`, plus `"update_receipts": true` when every
    /// `update_received` entry of the run must carry its participant's signed receipt (a real federation's).
    case runStarted(charterHash: String, request: RunRequest, updateReceipts: Bool = false)
    /// A round's mechanism parameters: `{"round","sampling_rate","noise_multiplier" (or null),"clip_norm"
    /// (or null),"delta"}`.
    case roundConfigured(round: Int, samplingRate: Double, noiseMultiplier: Double?, clipNorm: Double?, delta: Double)
    /// The participants sampled for a round, by federation id: `{"round","participants":[ids]}`.
    case participantsChosen(round: Int, participants: [Int])
    /// A participant's update: `{"round","participant","sha256"}`. In a simulation the participant is the witness
    /// (it countersigns the entry); over the wire its signed receipt travels with the update and is in the payload,
    /// `"receipt"`: the base64 of its signature over ``UpdateAttestation/signedBytes``, and there is no witness.
    case updateReceived(round: Int, participant: String, updateHash: String, receipt: Signature? = nil)
    /// A round's aggregate: `{"round","sha256"}`; `witnesses` (for example the round's contributors) countersign it.
    case aggregateProduced(round: Int, aggregateHash: String, witnesses: [String] = [])
    /// The privacy spent so far: `{"round","epsilon","delta","participants":{name: ε}}`.
    case epsilonSpent(round: Int, epsilon: Double, delta: Double, perParticipant: [String: Double])
    /// A model released: `{"sha256","round"}`.
    case modelReleased(modelHash: String, round: Int)

    /// The entry kind.
    public var kind: AuditEntry.Kind {
        switch self {
        case .runStarted: .runStarted
        case .roundConfigured: .roundConfigured
        case .participantsChosen: .participantsChosen
        case .updateReceived: .updateReceived
        case .aggregateProduced: .aggregateProduced
        case .epsilonSpent: .epsilonSpent
        case .modelReleased: .modelReleased
        }
    }

    /// The participants whose receipts the entry needs.
    public var witnesses: [String] {
        switch self {
        case .updateReceived(_, let participant, _, let receipt): receipt == nil ? [participant] : []
        case .aggregateProduced(_, _, let contributors):
            contributors.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        default: []
        }
    }

    /// The payload.
    public var payload: CanonicalValue {
        func optionalReal(_ value: Double?) -> CanonicalValue { value.map(CanonicalValue.real) ?? .null }
        switch self {
        case .runStarted(let charterHash, let request, let updateReceipts):
            var members: [String: CanonicalValue] = [
                "charter": .string(charterHash), "model": .string(request.model),
                "layout_hash": .string(request.layoutHash), "strategy": .string(request.strategy),
                "rounds": .integer(request.rounds), "noise_multiplier": optionalReal(request.noiseMultiplier),
                "delta": .real(request.delta), "epsilon_budget": optionalReal(request.epsilonBudget),
                "secure_aggregation": .bool(request.secureAggregation),
            ]
            if updateReceipts { members["update_receipts"] = .bool(true) }
            return .object(members)
        case .roundConfigured(let round, let samplingRate, let noiseMultiplier, let clipNorm, let delta):
            return .object([
                "round": .integer(round), "sampling_rate": .real(samplingRate),
                "noise_multiplier": optionalReal(noiseMultiplier), "clip_norm": optionalReal(clipNorm),
                "delta": .real(delta),
            ])
        case .participantsChosen(let round, let participants):
            return .object(["round": .integer(round), "participants": .array(participants.map { .integer($0) })])
        case .updateReceived(let round, let participant, let updateHash, let receipt):
            var members: [String: CanonicalValue] = [
                "round": .integer(round), "participant": .string(participant), "sha256": .string(updateHash),
            ]
            if let receipt { members["receipt"] = .string(receipt.base64) }
            return .object(members)
        case .aggregateProduced(let round, let aggregateHash, _):
            return .object(["round": .integer(round), "sha256": .string(aggregateHash)])
        case .epsilonSpent(let round, let epsilon, let delta, let perParticipant):
            return .object([
                "round": .integer(round), "epsilon": .real(epsilon), "delta": .real(delta),
                "participants": .object(perParticipant.mapValues { .real($0) }),
            ])
        case .modelReleased(let modelHash, let round):
            return .object(["sha256": .string(modelHash), "round": .integer(round)])
        }
    }
}
