import Foundation
import GRDB

extension SQLiteRunStore {
    /// Records an event of a participant, stamped with the current time.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``.
    public func recordParticipantEvent(
        run: Int64, participant: String, kind: ParticipantEventKind, detail: String
    )
        throws
    {
        try access { db in
            _ = try self.run(db, run)
            try db.execute(
                sql: "INSERT INTO participant_events (run, participant, kind, detail, at) VALUES (?, ?, ?, ?, ?)",
                arguments: [run, participant, kind.rawValue, detail, Date()])
        }
    }

    /// The participants excluded from the run, by name, with the detail of their first exclusion.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``.
    public func exclusions(run: Int64) throws -> [String: String] {
        try access(writing: false) { db in
            _ = try self.run(db, run)
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT participant, detail FROM participant_events WHERE run = ? AND kind = ? ORDER BY id",
                arguments: [run, ParticipantEventKind.excluded.rawValue])
            var exclusions: [String: String] = [:]
            for row in rows {
                let name: String = try row.decode(forColumn: "participant")
                if exclusions[name] == nil { exclusions[name] = try row.decode(forColumn: "detail") }
            }
            return exclusions
        }
    }

    /// Each participant's latest status: its event recorded last (by order of recording, whatever the clock
    /// said), sorted by participant name.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``; ``StoreError/corrupt(_:)`` for an event of an unknown kind.
    public func participantStatuses(run: Int64) throws -> [ParticipantStatus] {
        try latestEvents(run: run, kinds: nil)
    }

    /// Each participant's latest failure or refusal in the run, by participant name.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``, ``StoreError/corrupt(_:)``.
    public func participantFailures(run: Int64) throws -> [ParticipantStatus] {
        try latestEvents(run: run, kinds: [.failed, .refused])
    }

    /// Each participant's latest event of one of `kinds` (of any kind when nil).
    private func latestEvents(run: Int64, kinds: [ParticipantEventKind]?) throws -> [ParticipantStatus] {
        let filter = kinds.map { " AND kind IN (" + $0.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")" } ?? ""
        return try access(writing: false) { db in
            _ = try self.run(db, run)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.participant, e.kind, e.detail, e.at FROM participant_events e
                    JOIN (SELECT MAX(id) AS id FROM participant_events WHERE run = ?\(filter) GROUP BY participant) latest
                        ON e.id = latest.id
                    """,
                arguments: [run])
            return try rows.map { row in
                let kind: String = try row.decode(forColumn: "kind")
                guard let eventKind = ParticipantEventKind(rawValue: kind) else {
                    throw StoreError.corrupt(
                        "\(self.path): run \(run) has a participant event of unknown kind \"\(kind)\"")
                }
                return ParticipantStatus(
                    participant: try row.decode(forColumn: "participant"), kind: eventKind,
                    detail: try row.decode(forColumn: "detail"), at: try row.decode(forColumn: "at"))
            }.sorted { $0.participant < $1.participant }
        }
    }
}
