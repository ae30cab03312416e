import Foundation

/// A participant's ``RecordPrivacyLedger`` on its own disk: JSON
/// `{"schema": "concord.record-ledger/v1", "ledger": {"participant": NAME, "delta": δ, "releases": […]}}`, replaced
/// atomically (a new file renamed over the old), so a node killed at any instant leaves the ledger from before a
/// round or the one after it, never a torn one.
public struct RecordPrivacyLedgerFile: Sendable {
    /// The schema string.
    public static let schema = "concord.record-ledger/v1"

    /// The file's path.
    public let path: String

    /// A ledger kept at `path`.
    public init(path: String) { self.path = path }

    private struct Stored: Codable {
        var schema: String
        var ledger: RecordPrivacyLedger
    }

    /// The ledger in the file, or nil when there is no file yet.
    ///
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` when the file cannot be read or parsed, has another schema,
    ///   is another participant's, or holds releases whose ε cannot be computed.
    public func load(participant: String) throws -> RecordPrivacyLedger? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let stored: Stored
        do {
            stored = try JSONDecoder().decode(Stored.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw PrivacyError.invalidParameter(
                "the record-level ledger '\(path)' cannot be read (\(error)); restore it from a backup: a participant "
                    + "never starts its ε account afresh by accident")
        }
        guard stored.schema == Self.schema else {
            throw PrivacyError.invalidParameter(
                "the record-level ledger '\(path)' has schema '\(stored.schema)', not '\(Self.schema)'")
        }
        guard stored.ledger.participant == participant else {
            throw PrivacyError.invalidParameter(
                "the record-level ledger '\(path)' is '\(stored.ledger.participant)''s, not '\(participant)''s")
        }
        do {
            _ = try stored.ledger.epsilon()
        } catch {
            throw PrivacyError.invalidParameter("the record-level ledger '\(path)' holds a release out of range: \(error)")
        }
        return stored.ledger
    }

    /// Replaces the file with `ledger`, atomically.
    ///
    /// - Throws: the file system's error.
    public func save(_ ledger: RecordPrivacyLedger) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(Stored(schema: Self.schema, ledger: ledger)).write(
            to: URL(fileURLWithPath: path), options: .atomic)
    }
}
