import ConcordFederation
import ConcordTensor

/// Turns an update into the integers secure aggregation sums, and the sum back into an update.
///
/// Coordinate x ∈ [−c, c] (after clipping) becomes q ∈ {0, …, L}, L = 2^bits − 1, rounded up with
/// probability equal to the fractional part of (x + c)/(2c)·L, so q·step − c is an unbiased estimate of
/// x with error below one step = 2c/L. A participant of weight a sends a·q for each coordinate, then
/// a itself, then its counts; the sum S decodes as Σ a_k·x_k ≈ step·S_i − c·Σ a_k.
enum StochasticQuantisation {
    /// The participant's words for `delta` (length `plan.dimension`), before masking.
    ///
    /// - Throws: ``SecureAggregationError/invalidSettings(_:)`` for a delta of the wrong length, a weight
    ///   outside 0…maxWeight, or counts that do not match the plan's.
    static func encode<G: RandomNumberGenerator>(
        _ delta: [Float], weight: Int, counts: [Int], plan: SecureAggregationPlan, using generator: inout G
    ) throws(SecureAggregationError) -> ModularVector {
        guard delta.count == plan.dimension else {
            throw .invalidSettings("an update of \(delta.count) coordinates for a plan of \(plan.dimension)")
        }
        guard (0...plan.maxWeight).contains(weight) else {
            throw .invalidSettings("a weight of \(weight) outside 0…\(plan.maxWeight)")
        }
        guard counts.count == plan.counts.count, counts.allSatisfy({ (0...1).contains($0) }) else {
            throw .invalidSettings("counts \(counts) for \(plan.counts), each 0 or 1")
        }
        if plan.modulusBits == 32 {
            return .bits32(
                encode(delta, weight: weight, counts: counts, plan: plan, as: UInt32.self, using: &generator))
        }
        return .bits64(encode(delta, weight: weight, counts: counts, plan: plan, as: UInt64.self, using: &generator))
    }

    private static func encode<Word: FixedWidthInteger & UnsignedInteger, G: RandomNumberGenerator>(
        _ delta: [Float], weight: Int, counts: [Int], plan: SecureAggregationPlan, as: Word.Type,
        using generator: inout G
    ) -> [Word] {
        var words = [Word](repeating: 0, count: plan.length)
        let c = plan.clipRange, levels = Double(plan.levels), scale = levels / (2 * c)
        let a = Word(weight), top = Int64(plan.levels)
        words.withUnsafeMutableBufferPointer { w in
            delta.withUnsafeBufferPointer { d in
                // One 64-bit draw dithers two coordinates: 32 bits decide each rounding.
                var bits: UInt64 = 0
                for i in 0..<d.count {
                    if i & 1 == 0 { bits = generator.next() }
                    let u = Double(UInt32(truncatingIfNeeded: bits)) * 0x1p-32
                    bits >>= 32
                    let x = Double(d[i])
                    let v = ((x.isNaN ? 0 : min(max(x, -c), c)) + c) * scale
                    let level = Int64(v)  // v ≥ 0: truncation is the floor
                    let up: Int64 = u < v - Double(level) ? 1 : 0
                    w[i] = Word(truncatingIfNeeded: min(level + up, top)) &* a
                }
            }
            w[delta.count] = a
            for (j, count) in counts.enumerated() { w[delta.count + 1 + j] = Word(count) }
        }
        return words
    }

    /// The sum's weighted update, total weight and counts.
    ///
    /// - Throws: ``SecureAggregationError/protocolViolation(_:)`` when the sum does not fit the plan.
    static func decode(
        _ sum: ModularVector, plan: SecureAggregationPlan
    ) throws(SecureAggregationError) -> (
        weightedDelta: [Double], totalWeight: Double, counts: [String: Double]
    ) {
        guard sum.count == plan.length, sum.modulusBits == plan.modulusBits else {
            throw .protocolViolation("a sum of \(sum.count) words for a plan of \(plan.length)")
        }
        let values: [Double]
        switch sum {
        case .bits32(let words): values = words.map { Double($0) }
        case .bits64(let words): values = words.map { Double($0) }
        }
        let total = values[plan.dimension]
        let step = plan.step, offset = plan.clipRange * total
        let weighted = values[0..<plan.dimension].map { step * $0 - offset }
        var counts: [String: Double] = [:]
        for (j, name) in plan.counts.enumerated() { counts[name] = values[plan.dimension + 1 + j] }
        return (weighted, total, counts)
    }
}
