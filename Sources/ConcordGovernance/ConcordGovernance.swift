// ConcordGovernance: the rules a federation agreed to and the evidence that it kept them.
//
// - Keys: Ed25519 identities (`SigningIdentity`, `PublicKey`, `Signature`) from swift-crypto, and their key files.
// - Encoding: `CanonicalValue`, the canonical JSON every signed or hashed structure is encoded with
//   (specified byte for byte in Docs/governance-encoding.md).
// - Charter: the YAML charter every participant signs (`Charter`), the checks a coordinator and each participant
//   run against it (`RunRequest`, `ParticipantTask`, `CharterViolation`).
// - Ledger: `ParticipantLedger`, the ε cap a participant enforces for itself, independently of the coordinator.
// - Audit: the hash-chained, signed, countersigned audit log (`AuditLog`, `AuditEntry`, `Receipt`) and its
//   verifier (`AuditVerifier`).
// - Release: the signed model release (`ReleaseManifest`, `SignedRelease`) and its quorum check.
