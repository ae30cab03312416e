import ConcordFederation
import Foundation

/// The JSON conventions of stored records and layouts: those of `Checkpoint` (sorted keys, so equal values give
/// equal bytes; non-finite floats as the strings "inf", "-inf" and "nan", since JSON has no number for them).
enum StoreJSON {
    static var encoder: JSONEncoder { Checkpoint.encoder }

    static var decoder: JSONDecoder { Checkpoint.decoder }

    /// Encodes `value` as UTF-8 JSON text.
    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes stored JSON text, or says what could not be read and where.
    ///
    /// - Throws: ``StoreError/corrupt(_:)`` naming `what` when the text is not a `T`.
    static func decode<T: Decodable>(_ type: T.Type, from text: String, what: @autoclosure () -> String) throws -> T {
        do {
            return try decoder.decode(T.self, from: Data(text.utf8))
        } catch {
            throw StoreError.corrupt("\(what()) is not readable JSON (\(error)); restore the file from a backup")
        }
    }
}
