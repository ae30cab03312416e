import Foundation

/// A participant's ε ledger on its own disk: JSON
/// `{"charter": HASH, "ledger": {…}, "participant": NAME, "schema": "concord.ledger/v1"}`, replaced atomically (a
/// new file renamed over the old), so a node killed at any instant leaves either the ledger before a round or the
/// one after it, never a torn one.
public struct LedgerFile: Sendable {
    /// The schema string.
    public static let schema = "concord.ledger/v1"

    /// The file's path.
    public let path: String

    /// A ledger kept at `path`.
    public init(path: String) { self.path = path }

    private struct Stored: Codable {
        var schema: String
        var charter: String
        var participant: String
        var ledger: ParticipantLedger
    }

    /// The ledger kept in the file, or a fresh one for `participant` under `charter` when there is no file yet.
    ///
    /// - Throws: ``GovernanceFailure`` when the file cannot be read or parsed, or is another participant's, or was
    ///   kept under another charter.
    public func load(participant: Charter.Participant, charter: Charter) throws -> ParticipantLedger {
        guard FileManager.default.fileExists(atPath: path) else {
            return try ParticipantLedger(for: participant, under: charter)
        }
        let stored: Stored
        do {
            stored = try JSONDecoder().decode(Stored.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw GovernanceFailure(
                "the ledger '\(path)' cannot be read (\(error)); restore it from a backup: a participant never starts "
                    + "its ε account afresh by accident")
        }
        guard stored.schema == Self.schema else {
            throw GovernanceFailure("the ledger '\(path)' has schema '\(stored.schema)', not '\(Self.schema)'")
        }
        guard stored.participant == participant.name, stored.ledger.participant == participant.name else {
            throw GovernanceFailure(
                "the ledger '\(path)' is '\(stored.participant)''s, not '\(participant.name)''s")
        }
        guard stored.charter == charter.hash else {
            throw GovernanceFailure(
                "the ledger '\(path)' was kept under charter \(stored.charter.prefix(16))…, not the one in force "
                    + "(\(charter.hash.prefix(16))…); keep one ledger per charter")
        }
        return stored.ledger
    }

    /// Replaces the file with `ledger`, atomically.
    ///
    /// - Throws: the file system's error.
    public func save(_ ledger: ParticipantLedger, charter: Charter) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = try encoder.encode(
            Stored(schema: Self.schema, charter: charter.hash, participant: ledger.participant, ledger: ledger))
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
