extension Charter {
    /// The signature `identity` makes over ``canonicalBytes``.
    ///
    /// - Throws: ``CharterError`` when the key is not a participant's, or signing fails.
    public func sign(with identity: SigningIdentity) throws(CharterError) -> DetachedSignature {
        let key = identity.publicKey
        guard let participant = participants.first(where: { $0.publicKey == key }) else {
            throw CharterError(
                field: "participants",
                reason: "the key \(key.fingerprint) is not any participant's; only participants sign the charter")
        }
        do {
            let signature = try identity.sign(canonicalBytes)
            return DetachedSignature(
                subject: "charter", documentHash: hash, signer: participant.name, signature: signature)
        } catch {
            throw CharterError(field: nil, reason: "\(error)")
        }
    }

    /// Signs as the participant whose key `identity` holds and keeps the signature in ``signatures``.
    ///
    /// - Throws: ``CharterError`` when the key is not a participant's.
    public mutating func addSignature(with identity: SigningIdentity) throws(CharterError) {
        let detached = try sign(with: identity)
        signatures[detached.signer] = detached.signature
    }

    /// Keeps a detached signature, after checking that it is for this charter.
    ///
    /// - Throws: ``CharterError`` when the signature is for another document or charter, or its signer is not a
    ///   participant (its validity is checked by ``verifySignatures()``).
    public mutating func attach(_ detached: DetachedSignature) throws(CharterError) {
        guard detached.subject == "charter" else {
            throw CharterError(field: "signatures", reason: "a signature of a \(detached.subject), not of a charter")
        }
        guard detached.documentHash == hash else {
            throw CharterError(
                field: "signatures",
                reason: "\(detached.signer)'s signature is for another charter (\(detached.documentHash.prefix(12))…, "
                    + "this one is \(hash.prefix(12))…)")
        }
        guard participant(named: detached.signer) != nil else {
            throw CharterError(field: "signatures", reason: "'\(detached.signer)' is not a participant")
        }
        signatures[detached.signer] = detached.signature
    }

    /// Every reason the charter is not in force: a participant whose signature is missing or invalid, or a
    /// signature from someone who is not a participant. Empty when the charter is in force.
    public func verifySignatures() -> [String] {
        var problems: [String] = []
        let bytes = canonicalBytes
        for participant in participants {
            guard let signature = signatures[participant.name] else {
                problems.append("participant '\(participant.name)' has not signed")
                continue
            }
            if !participant.publicKey.isValidSignature(signature, for: bytes) {
                problems.append("participant '\(participant.name)': the signature is invalid for this charter")
            }
        }
        for signer in signatures.keys.sorted() where participant(named: signer) == nil {
            problems.append("a signature from '\(signer)', who is not a participant")
        }
        return problems
    }

    /// Whether every participant has signed this exact content with its key (and nobody else has signed).
    public var isInForce: Bool { verifySignatures().isEmpty }
}
