/// The keys a governance record is verified against: the coordinator's and each participant's, by name.
/// ``Charter/trustedKeys`` gives a federation's.
public struct TrustedKeys: Sendable, Equatable {
    /// The key that signs audit entries and releases.
    public var coordinator: PublicKey
    /// The participants' keys by name: they countersign audit entries and co-sign releases.
    public var participants: [String: PublicKey]

    /// Creates a set of trusted keys.
    public init(coordinator: PublicKey, participants: [String: PublicKey]) {
        self.coordinator = coordinator
        self.participants = participants
    }
}

/// Where an audit log ends: its number of entries and the hash of its last entry. A release manifest records it,
/// so a verifier can tell a complete log from a truncated one.
public struct LogHead: Sendable, Hashable, CustomStringConvertible {
    /// The number of entries.
    public var entries: Int
    /// The hash of the last entry (``AuditEntry/hash``).
    public var hash: String

    /// Creates a head.
    public init(entries: Int, hash: String) {
        self.entries = entries
        self.hash = hash
    }

    /// "N entries, head HASH".
    public var description: String { "\(entries) entries, head \(hash)" }
}
