import ConcordFederation
import ConcordGovernance
import ConcordStore

/// The coordinator's side of a run under a charter (`concord serve --charter`): the charter in force, whose hash
/// every task carries and whose participants' receipts every update must bear; and, with the coordinator's
/// signing key, the run's signed audit log (``FederationAudit``), kept in the store and exported to a file.
public struct CoordinatorGovernance: Sendable {
    /// The charter in force.
    public var charter: Charter
    /// The coordinator's signing identity (the charter's coordinator key); nil to enforce without an audit log.
    public var identity: SigningIdentity?
    /// Where the audit log is exported as JSON lines; nil for the store only.
    public var auditLogPath: String?

    /// Creates the coordinator's governance.
    ///
    /// - Throws: ``ConcordGovernance/GovernanceFailure`` for an export path without a signing key, or a key that
    ///   is not the charter's coordinator key.
    public init(charter: Charter, identity: SigningIdentity?, auditLogPath: String?) throws {
        if auditLogPath != nil, identity == nil {
            throw GovernanceFailure(
                "an audit log needs the coordinator's signing key (--signing-key, or signing_key in the configuration)")
        }
        if let identity, identity.publicKey != charter.coordinator.publicKey {
            throw GovernanceFailure(
                "the signing key is not the coordinator's key in the charter ('\(charter.coordinator.name)'); give the "
                    + "key whose public half was put in the charter")
        }
        self.charter = charter
        self.identity = identity
        self.auditLogPath = auditLogPath
    }

    /// The run's audit log in `store`, when there is a signing key.
    ///
    /// - Throws: what ``FederationAudit/init(charter:coordinator:request:store:runID:names:exportPath:)`` throws.
    func audit(request: RunRequest, store: any RunStore, runID: Int64, participants: [String]) throws
        -> FederationAudit?
    {
        guard let identity else { return nil }
        return try FederationAudit(
            charter: charter, coordinator: identity, request: request, store: store, runID: runID,
            names: Self.names(participants), exportPath: auditLogPath)
    }

    /// The check every update passes before it is accepted: its participant's valid receipt.
    func receiptCheck(participants: [String]) -> @Sendable (Int, FitInstruction, ClientUpdate) -> String? {
        let (charter, names) = (charter, Self.names(participants))
        return { participant, instruction, update in
            FederationAudit.receiptProblem(
                charter: charter, name: names[participant], instruction: instruction, update: update)
        }
    }

    private static func names(_ participants: [String]) -> [Int: String] {
        Dictionary(uniqueKeysWithValues: participants.enumerated().map { ($0.offset, $0.element) })
    }
}
