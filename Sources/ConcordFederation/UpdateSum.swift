/// All that secure aggregation reveals of a round: the sum of the participants' weighted updates.
///
/// Each participant k contributes a_k·Δ_k, where Δ_k = w_k − w_global and a_k is its weight (its
/// example count, or 1 for every participant, as ``SumWeighting`` says); nothing individual remains.
public struct UpdateSum: Sendable, Equatable {
    /// Σ_k a_k·Δ_k, in layout order.
    public var weightedDelta: [Double]
    /// Σ_k a_k.
    public var totalWeight: Double
    /// The participants whose updates are in the sum, ascending.
    public var participants: [Int]
    /// Other integer sums over the same participants, by name (e.g. "unclipped": how many updates were
    /// within the differential-privacy clip norm).
    public var counts: [String: Double]

    /// Creates a sum.
    public init(weightedDelta: [Double], totalWeight: Double, participants: [Int], counts: [String: Double] = [:]) {
        self.weightedDelta = weightedDelta
        self.totalWeight = totalWeight
        self.participants = participants
        self.counts = counts
    }

    /// The weighted mean update as parameters: w_global + Σ a_k·Δ_k / Σ a_k.
    ///
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` for a zero total weight;
    ///   ``FederationError/layoutMismatch(_:)`` when the sum does not fit `global`.
    public func meanParameters(around global: Parameters) throws -> Parameters {
        guard totalWeight > 0 else {
            throw FederationError.invalidConfiguration("the sum has no weight: no participant contributed")
        }
        guard weightedDelta.count == global.count else {
            throw FederationError.layoutMismatch(
                "a sum of \(weightedDelta.count) values for \(global.count) parameters")
        }
        var values = global.values
        for i in values.indices { values[i] += Float(weightedDelta[i] / totalWeight) }
        return try Parameters(layout: global.layout, values: values)
    }
}

/// How each participant's update is weighted in an ``UpdateSum``.
public enum SumWeighting: String, Sendable, Codable {
    /// By its example count, as FedAvg weighs it.
    case exampleCount
    /// Every participant the same (DP-FedAvg, whose sensitivity a weight would break).
    case uniform
}

/// Collects a round's updates so that the coordinator learns only their sum: secure aggregation
/// (ConcordPrivacy's SecAgg+) plugs in here, and the ``Coordinator`` then never sees an individual update.
public protocol SecureSummation: Sendable {
    /// Runs the round's summation with the participants the strategy instructed.
    ///
    /// - Parameters:
    ///   - round: the round number.
    ///   - instructions: each participant's training instruction.
    ///   - participants: the handles of the instructed participants.
    ///   - weighting: how updates are weighted in the sum.
    ///   - deadline: how long each stage of the protocol waits for answers.
    func sum(
        round: Int, instructions: [Int: FitInstruction], participants: [Int: any ClientProxy],
        weighting: SumWeighting, deadline: Duration?
    ) async -> SummationOutcome
}

/// What one secure summation produced.
public struct SummationOutcome: Sendable {
    /// The sum, or nil when the protocol could not complete (then nothing was revealed).
    public var sum: UpdateSum?
    /// Participants that dropped out or misbehaved, and why.
    public var failures: [ParticipantFailure]
    /// Why no sum was produced, when it was not.
    public var error: String?
    /// Figures to report with the round (stage timings, graph degree, modulus bits).
    public var metrics: [String: Double]

    /// Creates an outcome.
    public init(sum: UpdateSum?, failures: [ParticipantFailure], error: String? = nil, metrics: [String: Double] = [:])
    {
        self.sum = sum
        self.failures = failures
        self.error = error
        self.metrics = metrics
    }
}
