import Foundation

/// A signature kept in its own file: who signed which document, and the signature.
///
/// The file is one line of canonical JSON:
/// `{"schema":"concord.signature/v1","sha256":…,"signature":…,"signer":…,"subject":…}` where `subject` is
/// `charter` or `release`, `sha256` is the hash of the signed bytes (the charter's ``Charter/hash`` or the
/// manifest's ``ReleaseManifest/hash``) and `signature` the Ed25519 signature over those bytes themselves.
public struct DetachedSignature: Sendable, Equatable {
    /// The schema string of a signature file.
    public static let schema = "concord.signature/v1"

    /// What was signed: `charter` or `release`.
    public var subject: String
    /// The SHA-256 of the signed bytes.
    public var documentHash: String
    /// The signer's name (a participant's, or the coordinator's for a release).
    public var signer: String
    /// The signature over the signed bytes.
    public var signature: Signature

    /// Creates a detached signature.
    public init(subject: String, documentHash: String, signer: String, signature: Signature) {
        self.subject = subject
        self.documentHash = documentHash
        self.signer = signer
        self.signature = signature
    }

    /// The canonical value written to the file.
    public var canonicalValue: CanonicalValue {
        .object([
            "schema": .string(Self.schema), "subject": .string(subject), "sha256": .string(documentHash),
            "signer": .string(signer), "signature": .string(signature.base64),
        ])
    }

    /// The file's text: the canonical JSON and a newline.
    public var fileText: String { canonicalValue.canonicalText + "\n" }

    /// Reads a signature file's text.
    ///
    /// - Throws: ``KeyError/malformed(what:detail:)`` naming what is missing or malformed.
    public init(fileText text: String, path: String = "the signature file") throws(KeyError) {
        let trimmed = text.hasSuffix("\n") ? String(text.dropLast()) : text
        let value: CanonicalValue
        do {
            value = try CanonicalJSON.parseCanonical(Array(trimmed.utf8))
        } catch {
            throw .malformed(what: path, detail: "not a Concord signature file (\(error))")
        }
        guard value["schema"]?.stringValue == Self.schema else {
            throw .malformed(what: path, detail: "not a Concord signature file (schema is not '\(Self.schema)')")
        }
        guard let subject = value["subject"]?.stringValue, let hash = value["sha256"]?.stringValue,
            let signer = value["signer"]?.stringValue, let signature = value["signature"]?.stringValue
        else {
            throw .malformed(what: path, detail: "needs the fields subject, sha256, signer and signature")
        }
        self.init(subject: subject, documentHash: hash, signer: signer, signature: try Signature(base64: signature))
    }

    /// Reads a signature file.
    ///
    /// - Throws: ``KeyError`` when the file cannot be read or is malformed.
    public static func read(at path: String) throws(KeyError) -> DetachedSignature {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .file(path: path, detail: "cannot be read (does it exist?)")
        }
        return try DetachedSignature(fileText: String(decoding: data, as: UTF8.self), path: path)
    }
}
