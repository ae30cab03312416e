import ConcordFederation

extension AuditEvent {
    /// The `round_configured` entry of a round: the mechanism its instructions announce (`delta` when they
    /// announce none).
    public static func roundConfigured(
        round: Int, instructions: [Int: FitInstruction], delta: Double
    ) -> AuditEvent {
        let mechanism = instructions.values.first?.config.privacy
        return .roundConfigured(
            round: round, samplingRate: mechanism?.samplingRate ?? 1, noiseMultiplier: mechanism?.noiseMultiplier,
            clipNorm: mechanism?.clipNorm, delta: mechanism?.delta ?? delta)
    }
}
