import Foundation

/// What ``ReleaseVerifier`` decided about a release, and why.
public struct ReleaseVerification: Sendable, Equatable, CustomStringConvertible {
    /// Whether the release is accepted.
    public var accepted: Bool { problems.isEmpty }
    /// Every reason to refuse it; empty when accepted (add to it to refuse for a reason found elsewhere).
    public var problems: [String]
    /// The participants whose signatures are valid, in name order.
    public var validParticipants: [String]
    /// The quorum k of n participants the charter requires.
    public var quorum: Int
    /// The number n of participants.
    public var participantCount: Int

    /// One paragraph for people.
    public var description: String {
        let tally = "\(validParticipants.count) of \(participantCount) participants co-signed (quorum \(quorum))"
        if accepted { return "release ACCEPTED: \(tally)" }
        return "release REFUSED: \(tally)\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// Checks a release against the model bytes and the charter it claims.
public enum ReleaseVerifier {
    /// Verifies a release: the charter in force and named by the manifest, the model's exact bytes, the
    /// coordinator's signature, and at least the charter's quorum of valid participant signatures (any invalid or
    /// unknown signature refuses the release).
    ///
    /// - Returns: the verdict and every problem found.
    public static func verify(
        _ release: SignedRelease, modelBytes: some DataProtocol, charter: Charter
    )
        -> ReleaseVerification
    {
        var problems: [String] = []
        problems += charter.verifySignatures().map { "the charter is not in force: \($0)" }
        let manifest = release.manifest
        if manifest.charterHash != charter.hash {
            problems.append(
                "the manifest names charter \(manifest.charterHash.prefix(16))…, not this charter \(charter.hash.prefix(16))…"
            )
        }
        let modelHash = SHA256Hex.of(modelBytes)
        if modelHash != manifest.modelHash || modelBytes.count != manifest.modelByteCount {
            problems.append(
                "the model file (\(modelBytes.count) bytes, SHA-256 \(modelHash.prefix(16))…) is not the released "
                    + "model (\(manifest.modelByteCount) bytes, SHA-256 \(manifest.modelHash.prefix(16))…)")
        }
        let bytes = manifest.canonicalBytes
        var valid: [String] = []
        for name in release.signatures.keys.sorted() {
            guard let signature = release.signatures[name] else { continue }
            let key: PublicKey
            if name == charter.coordinator.name {
                key = charter.coordinator.publicKey
            } else if let participant = charter.participant(named: name) {
                key = participant.publicKey
            } else {
                problems.append("a signature from '\(name)', who is neither the coordinator nor a participant")
                continue
            }
            guard key.isValidSignature(signature, for: bytes) else {
                problems.append("the signature of '\(name)' is invalid for this manifest")
                continue
            }
            if name != charter.coordinator.name { valid.append(name) }
        }
        if release.signatures[charter.coordinator.name] == nil {
            problems.append("the coordinator '\(charter.coordinator.name)' has not signed")
        }
        if valid.count < charter.releaseQuorum {
            problems.append(
                "no quorum: \(valid.count) valid participant signature(s), the charter requires "
                    + "\(charter.releaseQuorum) of \(charter.participants.count)")
        }
        return ReleaseVerification(
            problems: problems, validParticipants: valid, quorum: charter.releaseQuorum,
            participantCount: charter.participants.count)
    }
}
