/// A strategy that accounts the privacy it spends, whatever it wraps.
public protocol PrivacyAccounted {
    /// The privacy spent so far and the budget.
    var ledger: PrivacyLedger { get }
    /// The noise multiplier of a round.
    var noiseMultiplier: Double { get }
    /// The sampling rate the ledger accounts.
    var accountingSamplingRate: Double { get }
}

extension DifferentiallyPrivate: PrivacyAccounted {}
