import ConcordFederation
import Foundation

/// What a run asks of secure aggregation: the neighbourhood graph, the threshold, and how updates become
/// integers. Unset degree and threshold follow ``NeighbourhoodRule`` from the round's participant count.
public struct SecureAggregationSettings: Sendable, Codable, Equatable {
    /// The degree k of the neighbourhood graph; nil chooses it by ``NeighbourhoodRule``.
    public var neighbours: Int?
    /// The Shamir threshold t; nil chooses it by ``NeighbourhoodRule``.
    public var threshold: Int?
    /// The fraction of participants expected to drop out of a round (δ), for the rule.
    public var expectedDropout: Double
    /// The fraction of participants that may collude with the coordinator (γ), for the rule.
    public var corruptFraction: Double
    /// Each update coordinate is clipped to [−c, c] before quantisation (the clip norm, with
    /// differential privacy, whose clipping already bounds every coordinate by it).
    public var clipRange: Double
    /// Quantisation levels per coordinate: 2^bits − 1.
    public var bits: Int
    /// Example counts above this weigh as this much (weights must be bounded for the sum not to wrap).
    public var maxWeight: Int

    /// Creates settings; the defaults expect 5% dropouts and tolerate 5% corrupt participants.
    public init(
        neighbours: Int? = nil, threshold: Int? = nil, expectedDropout: Double = 0.05, corruptFraction: Double = 0.05,
        clipRange: Double = 1, bits: Int = 16, maxWeight: Int = 4096
    ) {
        self.neighbours = neighbours
        self.threshold = threshold
        self.expectedDropout = expectedDropout
        self.corruptFraction = corruptFraction
        self.clipRange = clipRange
        self.bits = bits
        self.maxWeight = maxWeight
    }

    /// The plan for a round of `participants` updates of `dimension` coordinates.
    ///
    /// - Parameters:
    ///   - weighting: uniform weighting fixes every weight at 1.
    ///   - privacyClipNorm: with differential privacy, the clip norm C: coordinates are then quantised over
    ///     [−C, C] and an "unclipped" count is summed beside the updates.
    /// - Throws: ``SecureAggregationError/invalidSettings(_:)`` when a setting is out of range, fewer than
    ///   three participants take part, or no modulus up to 2⁶⁴ holds the sum.
    public func plan(
        participants: Int, dimension: Int, weighting: SumWeighting, privacyClipNorm: Double? = nil
    ) throws(SecureAggregationError) -> SecureAggregationPlan {
        guard participants >= 3 else {
            throw .invalidSettings(
                "secure aggregation needs at least 3 participants in a round (\(participants) sampled): the sum of "
                    + "two reveals each to the other")
        }
        let rule = try NeighbourhoodRule.recommend(
            participants: participants, dropout: expectedDropout, corrupt: corruptFraction)
        let k = neighbours ?? rule.neighbours
        let t = threshold ?? (neighbours == nil ? rule.threshold : k / 2 + 1)
        let plan = SecureAggregationPlan(
            participantCount: participants, neighbours: k, threshold: t, dimension: dimension,
            clipRange: privacyClipNorm ?? clipRange, bits: bits, maxWeight: weighting == .uniform ? 1 : maxWeight,
            counts: privacyClipNorm == nil ? [] : ["unclipped"], modulusBits: 64)
        try plan.validate(checkingModulus: false)
        for modulusBits in [32, 64] {
            let candidate = plan.with(modulusBits: modulusBits)
            if (try? candidate.validate()) != nil { return candidate }
        }
        throw .invalidSettings(
            "\(participants) participants × weight \(plan.maxWeight) × \(bits)-bit levels can wrap even modulo 2⁶⁴; "
                + "lower --secagg-bits or the maximum weight")
    }
}

/// One round's secure-aggregation parameters, fixed by the coordinator and checked by every participant.
public struct SecureAggregationPlan: Sendable, Codable, Equatable {
    /// n: the participants the round starts with.
    public let participantCount: Int
    /// k: each participant's number of neighbours.
    public let neighbours: Int
    /// t: shares needed to reconstruct a secret.
    public let threshold: Int
    /// Update coordinates.
    public let dimension: Int
    /// c: coordinates are clipped to [−c, c].
    public let clipRange: Double
    /// Quantisation levels 2^bits − 1.
    public let bits: Int
    /// The largest weight a participant may have.
    public let maxWeight: Int
    /// Names of the integer counts summed after the weight (e.g. "unclipped").
    public let counts: [String]
    /// The sum is taken modulo 2^modulusBits: 32 or 64.
    public let modulusBits: Int

    /// Creates a plan (see ``SecureAggregationSettings/plan(participants:dimension:weighting:privacyClipNorm:)``).
    public init(
        participantCount: Int, neighbours: Int, threshold: Int, dimension: Int, clipRange: Double, bits: Int,
        maxWeight: Int, counts: [String], modulusBits: Int
    ) {
        self.participantCount = participantCount
        self.neighbours = neighbours
        self.threshold = threshold
        self.dimension = dimension
        self.clipRange = clipRange
        self.bits = bits
        self.maxWeight = maxWeight
        self.counts = counts
        self.modulusBits = modulusBits
    }

    /// The highest quantisation level, L = 2^bits − 1.
    public var levels: UInt64 { (1 << UInt64(bits)) - 1 }

    /// One quantisation step, 2c/L: the bound on each coordinate's rounding error.
    public var step: Double { 2 * clipRange / Double(levels) }

    /// Words in a masked input: the coordinates, the weight, the counts.
    public var length: Int { dimension + 1 + counts.count }

    func with(modulusBits: Int) -> SecureAggregationPlan {
        SecureAggregationPlan(
            participantCount: participantCount, neighbours: neighbours, threshold: threshold, dimension: dimension,
            clipRange: clipRange, bits: bits, maxWeight: maxWeight, counts: counts, modulusBits: modulusBits)
    }

    /// Checks the plan, as each participant does before taking part.
    ///
    /// - Throws: ``SecureAggregationError/invalidSettings(_:)`` naming the first problem: a threshold at
    ///   or below k/2 (the coordinator could then collect both kinds of share of one participant from
    ///   two disjoint groups), a degree the graph cannot have, quantisation out of range, or a sum that
    ///   could wrap around the modulus.
    public func validate(checkingModulus: Bool = true) throws(SecureAggregationError) {
        let n = participantCount, k = neighbours, t = threshold
        guard n >= 3 else { throw .invalidSettings("\(n) participants; at least 3 are needed") }
        guard k >= 2, k <= n - 1, k % 2 == 0 || k == n - 1 else {
            throw .invalidSettings("a degree of \(k) with \(n) participants: even, 2…\(n - 1), or \(n - 1)")
        }
        guard t > k / 2, t <= k else {
            throw .invalidSettings(
                "a threshold of \(t) with \(k) neighbours: it must exceed k/2 = \(k / 2) and be at most k")
        }
        guard dimension >= 1 else { throw .invalidSettings("no coordinates to aggregate") }
        guard clipRange > 0, clipRange.isFinite else { throw .invalidSettings("the clip range must be positive") }
        guard (1...24).contains(bits) else { throw .invalidSettings("quantisation bits must be 1…24, got \(bits)") }
        guard maxWeight >= 1, maxWeight <= 1 << 24 else {
            throw .invalidSettings("the maximum weight must be 1…2²⁴, got \(maxWeight)")
        }
        guard modulusBits == 32 || modulusBits == 64 else {
            throw .invalidSettings("the modulus must be 2³² or 2⁶⁴, not 2^\(modulusBits)")
        }
        guard checkingModulus else { return }
        // The largest possible sum of any word: every participant at the top level and the maximum weight.
        let (perParticipant, overflow1) = UInt64(maxWeight).multipliedReportingOverflow(by: levels)
        let (largest, overflow2) = perParticipant.multipliedReportingOverflow(by: UInt64(n))
        let limit: UInt64 = modulusBits == 64 ? .max : UInt64(UInt32.max)
        guard !overflow1, !overflow2, largest <= limit else {
            throw .invalidSettings(
                "\(n) participants × weight \(maxWeight) × \(levels) levels can wrap modulo 2^\(modulusBits)")
        }
    }
}
