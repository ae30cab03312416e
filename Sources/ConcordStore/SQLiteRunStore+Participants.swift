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

    /// Each participant's latest status: its event recorded last (by order of recording, whatever the clock
    /// said), sorted by participant name.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``; ``StoreError/corrupt(_:)`` for an event of an unknown kind.
    public func participantStatuses(run: Int64) throws -> [ParticipantStatus] {
        try access(writing: false) { db in
            _ = try self.run(db, run)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.participant, e.kind, e.detail, e.at FROM participant_events e
                    JOIN (SELECT MAX(id) AS id FROM participant_events WHERE run = ? GROUP BY participant) latest
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
