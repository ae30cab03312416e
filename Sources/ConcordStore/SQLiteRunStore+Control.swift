import Foundation
import GRDB

extension SQLiteRunStore {
    /// Records an operator's request for the run (nil withdraws one), for its coordinator to read between rounds.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``.
    public func requestControl(run: Int64, _ control: RunControl?) throws {
        try access { db in
            try db.execute(
                sql: "UPDATE runs SET control = ?, updated_at = ? WHERE id = ?",
                arguments: [control?.rawValue, Date(), run])
            guard db.changesCount > 0 else { throw StoreError.unknownRun(run) }
        }
    }

    /// The operator's pending request for the run, if any.
    ///
    /// - Throws: ``StoreError/unknownRun(_:)``; ``StoreError/corrupt(_:)`` for a request this version does not know.
    public func control(run: Int64) throws -> RunControl? {
        try access(writing: false) { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT control FROM runs WHERE id = ?", arguments: [run]) else {
                throw StoreError.unknownRun(run)
            }
            let text: String? = try row.decode(forColumn: "control")
            guard let text else { return nil }
            guard let control = RunControl(rawValue: text) else {
                throw StoreError.corrupt("\(self.path): run \(run) has the unknown control request \"\(text)\"")
            }
            return control
        }
    }
}
