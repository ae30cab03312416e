import ConcordTensor

/// The fixed, seeded subset of participants that attack.
public enum Attackers {
    /// round(fraction·count) participants out of 0..<count, the same for a given seed in every round.
    public static func choose(fraction: Double, count: Int, seed: UInt64) -> Set<Int> {
        var generator = SeededGenerator(seed: seed).derived(0x4241_4447_5559)
        var ids = Array(0..<count)
        ids.shuffle(using: &generator)
        let k = min(count, max(0, Int((fraction * Double(count)).rounded())))
        return Set(ids.prefix(k))
    }
}
