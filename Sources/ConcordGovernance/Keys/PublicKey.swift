import Crypto
import Foundation

/// An Ed25519 public key: 32 bytes, written as their base64 (44 characters).
public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
    let key: Curve25519.Signing.PublicKey
    /// The 32 key bytes (RFC 8032 encoding).
    public let rawRepresentation: Data

    /// Reads a public key from its 32 raw bytes.
    ///
    /// - Throws: ``KeyError/malformed(what:detail:)`` when the bytes are not an Ed25519 public key.
    public init(rawRepresentation: Data) throws(KeyError) {
        guard rawRepresentation.count == 32 else {
            throw .malformed(what: "an Ed25519 public key", detail: "\(rawRepresentation.count) bytes, expected 32")
        }
        do {
            key = try Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation)
        } catch {
            throw .malformed(what: "an Ed25519 public key", detail: "\(error)")
        }
        self.rawRepresentation = rawRepresentation
    }

    /// Reads a public key from the canonical base64 of its 32 bytes.
    ///
    /// - Throws: ``KeyError/malformed(what:detail:)`` for anything else.
    public init(base64 text: String) throws(KeyError) {
        guard let data = StrictBase64.decode(text) else {
            throw .malformed(what: "an Ed25519 public key", detail: "'\(text.prefix(60))' is not canonical base64")
        }
        try self.init(rawRepresentation: data)
    }

    init(_ key: Curve25519.Signing.PublicKey) {
        self.key = key
        self.rawRepresentation = key.rawRepresentation
    }

    /// The canonical base64 of the 32 bytes, as charters and key files write it.
    public var base64: String { rawRepresentation.base64EncodedString() }

    /// A short name for people: the first 16 hex digits of the SHA-256 of the 32 key bytes.
    public var fingerprint: String { String(SHA256Hex.of(rawRepresentation).prefix(16)) }

    /// Whether `signature` is this key's valid Ed25519 signature over exactly `bytes`.
    public func isValidSignature(_ signature: Signature, for bytes: some DataProtocol) -> Bool {
        key.isValidSignature(signature.rawRepresentation, for: bytes)
    }

    /// The base64 text.
    public var description: String { base64 }

    /// Two keys are equal when their bytes are.
    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.rawRepresentation == rhs.rawRepresentation }

    /// Hashes the key bytes.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawRepresentation) }
}
