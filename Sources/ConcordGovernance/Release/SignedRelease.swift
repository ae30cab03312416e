import Foundation

/// A release manifest with the signatures over it: the coordinator's and the co-signing participants', by name.
///
/// Stored as one line of canonical JSON, `{"manifest":{…},"signatures":{NAME: base64,…}}`, and a newline.
public struct SignedRelease: Sendable, Equatable {
    /// What is released.
    public var manifest: ReleaseManifest
    /// Signatures over ``ReleaseManifest/canonicalBytes``, by signer name.
    public var signatures: [String: Signature]

    /// A release signed by the coordinator.
    ///
    /// - Throws: ``ReleaseError`` when signing fails.
    public init(manifest: ReleaseManifest, coordinator name: String, identity: SigningIdentity) throws(ReleaseError) {
        self.manifest = manifest
        self.signatures = [:]
        try sign(as: name, with: identity)
    }

    /// A release with the given signatures.
    public init(manifest: ReleaseManifest, signatures: [String: Signature]) {
        self.manifest = manifest
        self.signatures = signatures
    }

    /// Signs the manifest as `name` (the coordinator's or a participant's name in the charter).
    ///
    /// - Throws: ``ReleaseError`` when signing fails.
    public mutating func sign(as name: String, with identity: SigningIdentity) throws(ReleaseError) {
        signatures[name] = try Self.signature(of: manifest, with: identity)
    }

    /// A detached signature of `manifest` by `name`.
    ///
    /// - Throws: ``ReleaseError`` when signing fails.
    public static func detachedSignature(
        of manifest: ReleaseManifest, as name: String, with identity: SigningIdentity
    )
        throws(ReleaseError) -> DetachedSignature
    {
        DetachedSignature(
            subject: "release", documentHash: manifest.hash, signer: name,
            signature: try signature(of: manifest, with: identity))
    }

    private static func signature(
        of manifest: ReleaseManifest, with identity: SigningIdentity
    ) throws(ReleaseError)
        -> Signature
    {
        do {
            return try identity.sign(manifest.canonicalBytes)
        } catch {
            throw ReleaseError("\(error)")
        }
    }

    /// Keeps a detached signature after checking it is for this manifest.
    ///
    /// - Throws: ``ReleaseError`` when it signs another document.
    public mutating func attach(_ detached: DetachedSignature) throws(ReleaseError) {
        guard detached.subject == "release", detached.documentHash == manifest.hash else {
            throw ReleaseError(
                "the signature of '\(detached.signer)' is for another \(detached.subject) "
                    + "(\(detached.documentHash.prefix(12))…), not this manifest (\(manifest.hash.prefix(12))…)")
        }
        signatures[detached.signer] = detached.signature
    }

    /// The file's text.
    public var fileText: String {
        CanonicalValue.object([
            "manifest": manifest.canonicalValue,
            "signatures": .object(signatures.mapValues { .string($0.base64) }),
        ]).canonicalText + "\n"
    }

    /// Reads a release file's text.
    ///
    /// - Throws: ``ReleaseError`` naming what is malformed.
    public init(fileText text: String) throws(ReleaseError) {
        let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
        let value: CanonicalValue
        do {
            value = try CanonicalJSON.parseCanonical(Array(body.utf8))
        } catch {
            throw ReleaseError("not a release file: \(error)")
        }
        guard let manifestValue = value["manifest"], let signatureValues = value["signatures"]?.objectValue,
            value.objectValue?.count == 2
        else { throw ReleaseError("a release file is {\"manifest\":{…},\"signatures\":{…}}") }
        manifest = try ReleaseManifest(canonicalValue: manifestValue)
        signatures = [:]
        for (name, signature) in signatureValues {
            guard let text = signature.stringValue else { throw ReleaseError("the signature of '\(name)' is not text") }
            do {
                signatures[name] = try Signature(base64: text)
            } catch {
                throw ReleaseError("the signature of '\(name)': \(error)")
            }
        }
    }

    /// Reads a release file.
    ///
    /// - Throws: ``ReleaseError`` when it cannot be read or is malformed.
    public static func read(at path: String) throws(ReleaseError) -> SignedRelease {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReleaseError("\(path) cannot be read (does it exist?)")
        }
        do {
            return try SignedRelease(fileText: String(decoding: data, as: UTF8.self))
        } catch {
            throw ReleaseError("\(path): \(error.reason)")
        }
    }
}
