import ConcordFederation
import ConcordTensor
import Foundation

/// A participant's side of secure aggregation in front of any ``ClientProxy``: it trains through the
/// wrapped participant when the masked-input stage comes, and only the masked, quantised update leaves it.
///
/// Plain `fit` and `evaluate` pass through, so the same participant serves rounds without secure
/// aggregation too.
public actor SecureAggregatingClient: SecureAggregationPeer {
    /// The wrapped participant's identifier.
    public nonisolated let id: Int
    private let inner: any ClientProxy
    private let dropouts: SecureAggregationDropouts
    private var participant: SecureAggregationParticipant
    private var setup: SecureAggregationSetup?

    /// Wraps a participant; `dropouts` makes it vanish at chosen stages (simulation only).
    public init(_ inner: any ClientProxy, dropouts: SecureAggregationDropouts = .none) {
        self.id = inner.id
        self.inner = inner
        self.dropouts = dropouts
        self.participant = SecureAggregationParticipant(id: inner.id)
    }

    /// Trains in the clear (rounds without secure aggregation).
    public func fit(_ instruction: FitInstruction) async throws -> ClientUpdate {
        try await inner.fit(instruction)
    }

    /// Evaluates through the wrapped participant.
    public func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        try await inner.evaluate(parameters)
    }

    /// Answers one stage; a setup starts a new round and forgets the last one.
    public func secureAggregation(_ request: SecureAggregationRequest) async throws -> SecureAggregationResponse {
        if case .advertiseKeys(let setup) = request {
            self.setup = setup
            participant = SecureAggregationParticipant(id: id)
        }
        guard let setup else {
            throw SecureAggregationError.protocolViolation(
                "participant \(id) got a \(request.stage.rawValue) request before a setup")
        }
        if dropouts.drops(participant: id, round: setup.round, at: request.stage) {
            throw SecureAggregationError.droppedOut(stage: request.stage)
        }
        switch request {
        case .advertiseKeys(let setup):
            return .keys(try participant.advertiseKeys(setup))
        case .shareKeys(let round, let keys):
            try Self.check(round, setup)
            return .shares(try participant.shareKeys(keys))
        case .maskedInput(let round, let shares):
            try Self.check(round, setup)
            let update = try await inner.fit(setup.instruction)
            let input = try SecureAggregationInput.encode(update, for: setup)
            return .maskedInput(try participant.maskInput(shares, input: input))
        case .unmask(let unmask):
            return .unmasking(try participant.unmask(unmask))
        }
    }

    private static func check(_ round: Int, _ setup: SecureAggregationSetup) throws(SecureAggregationError) {
        guard round == setup.round else {
            throw .protocolViolation("a message for round \(round) during round \(setup.round)")
        }
    }
}

/// How a participant turns its trained update into the integers it masks.
enum SecureAggregationInput {
    /// Δ = w_k − w_global, weighted by the example count (capped at the plan's maximum) or uniformly;
    /// under differential privacy first clipped to the L2 norm C − step·√D, so that even after rounding
    /// (at most one step per coordinate) its norm stays within the clip norm C the noise is calibrated to.
    ///
    /// - Throws: ``SecureAggregationError/invalidSettings(_:)`` for an update of another model, or a
    ///   quantisation too coarse for the clip norm.
    static func encode(
        _ update: ClientUpdate, for setup: SecureAggregationSetup
    ) throws(SecureAggregationError)
        -> ModularVector
    {
        let global = setup.instruction.parameters, plan = setup.plan
        guard update.parameters.layout == global.layout else {
            throw .invalidSettings("the trained update does not have the instruction's layout")
        }
        var delta = zip(update.parameters.values, global.values).map { $0 - $1 }
        var counts: [Int] = []
        if plan.counts.contains("unclipped") {
            let margin = plan.step * Double(plan.dimension).squareRoot()
            guard margin < plan.clipRange else {
                throw .invalidSettings(
                    "\(plan.bits)-bit quantisation of \(plan.dimension) coordinates can move an update by "
                        + "\(margin), more than the clip norm \(plan.clipRange): use more bits")
            }
            let (norm, _) = L2Clipping.clip(&delta, to: plan.clipRange - margin)
            let unclipped = update.metrics["unclipped"].map { $0 == 1 } ?? (norm <= plan.clipRange)
            counts = [unclipped ? 1 : 0]
        }
        let weight = setup.weighting == .uniform ? 1 : min(max(update.exampleCount, 0), plan.maxWeight)
        var dither = SeededGenerator(seed: setup.instruction.config.seed ^ 0x5EC_A66)
        return try StochasticQuantisation.encode(delta, weight: weight, counts: counts, plan: plan, using: &dither)
    }
}

/// Simulated dropouts: each participant vanishes at a stage with that stage's probability, decided by
/// a hash of (seed, round, participant, stage), so a run's dropouts are reproducible.
public struct SecureAggregationDropouts: Sendable, Equatable {
    /// The probability of vanishing at each stage.
    public var rates: [SecureAggregationStage: Double]
    /// The seed of the draws.
    public var seed: UInt64

    /// No dropouts.
    public static let none = SecureAggregationDropouts(rates: [:], seed: 0)

    /// Creates a schedule.
    public init(rates: [SecureAggregationStage: Double], seed: UInt64) {
        self.rates = rates
        self.seed = seed
    }

    /// Parses `FRACTION@STAGE` (e.g. `0.1@masked-input`).
    ///
    /// - Throws: ``SecureAggregationError/invalidSettings(_:)`` naming the stages and range.
    public static func rate(parsing text: String) throws(SecureAggregationError) -> (SecureAggregationStage, Double) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        let stages = SecureAggregationStage.allCases.map(\.rawValue).joined(separator: "|")
        guard parts.count == 2, let fraction = Double(parts[0]), (0...1).contains(fraction),
            let stage = SecureAggregationStage(rawValue: String(parts[1]))
        else {
            throw .invalidSettings("'\(text)' is not FRACTION@STAGE with FRACTION in [0, 1] and STAGE one of \(stages)")
        }
        return (stage, fraction)
    }

    /// Whether `participant` vanishes at `stage` of `round`.
    public func drops(participant: Int, round: Int, at stage: SecureAggregationStage) -> Bool {
        guard let rate = rates[stage], rate > 0 else { return false }
        let index = UInt64(SecureAggregationStage.allCases.firstIndex(of: stage)!)
        var generator = SeededGenerator(
            seed: seed ^ (UInt64(truncatingIfNeeded: round) &* 0x9E37_79B9_7F4A_7C15)
                ^ (UInt64(truncatingIfNeeded: participant) &* 0xBF58_476D_1CE4_E5B9) ^ (index &* 0x94D0_49BB_1331_11EB))
        return Double(generator.next() >> 11) * 0x1p-53 < rate
    }
}
