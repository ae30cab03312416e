import Foundation

/// A detached Ed25519 signature: 64 bytes, written as their base64 (88 characters).
public struct Signature: Sendable, Hashable, CustomStringConvertible {
    /// The 64 signature bytes.
    public let rawRepresentation: Data

    /// Wraps 64 signature bytes.
    ///
    /// - Throws: ``KeyError/malformed(what:detail:)`` when there are not 64 bytes.
    public init(rawRepresentation: Data) throws(KeyError) {
        guard rawRepresentation.count == 64 else {
            throw .malformed(what: "an Ed25519 signature", detail: "\(rawRepresentation.count) bytes, expected 64")
        }
        self.rawRepresentation = rawRepresentation
    }

    /// Reads a signature from its canonical base64.
    ///
    /// - Throws: ``KeyError/malformed(what:detail:)`` for text that is not the canonical base64 of 64 bytes.
    public init(base64 text: String) throws(KeyError) {
        guard let data = StrictBase64.decode(text) else {
            throw .malformed(what: "an Ed25519 signature", detail: "not canonical base64")
        }
        try self.init(rawRepresentation: data)
    }

    /// The canonical base64 of the 64 bytes.
    public var base64: String { rawRepresentation.base64EncodedString() }

    /// The base64 text.
    public var description: String { base64 }
}
