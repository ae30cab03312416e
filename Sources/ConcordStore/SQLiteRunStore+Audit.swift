import GRDB

extension SQLiteRunStore {
    /// Appends audit log lines outside a round; see ``RunStore/appendAuditLines(run:_:)``.
    public func appendAuditLines(run: Int64, _ lines: [String]) throws {
        guard !lines.isEmpty else { return }
        try access { db in
            _ = try self.run(db, run)
            try self.appendAuditLines(db, run: run, lines)
        }
    }

    /// The run's stored audit log lines, in order; see ``RunStore/auditLines(run:)``.
    public func auditLines(run: Int64) throws -> [String] {
        try access(writing: false) { db in
            _ = try self.run(db, run)
            let rows = try Row.fetchAll(
                db, sql: "SELECT idx, line FROM audit_entries WHERE run = ? ORDER BY idx", arguments: [run])
            var lines: [String] = []
            lines.reserveCapacity(rows.count)
            for (position, row) in rows.enumerated() {
                let index: Int = try row.decode(forColumn: "idx")
                guard index == position else {
                    throw StoreError.corrupt(
                        "\(self.path): run \(run)'s audit log jumps from entry \(position - 1) to \(index); restore the "
                            + "file from a backup")
                }
                lines.append(try row.decode(forColumn: "line"))
            }
            return lines
        }
    }

    /// Inserts `lines` after the run's last stored line, inside the caller's transaction.
    func appendAuditLines(_ db: Database, run: Int64, _ lines: [String]) throws {
        guard !lines.isEmpty else { return }
        let next =
            try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_entries WHERE run = ?", arguments: [run])
            ?? 0
        for (offset, line) in lines.enumerated() {
            try db.execute(
                sql: "INSERT INTO audit_entries (run, idx, line) VALUES (?, ?, ?)", arguments: [run, next + offset, line])
        }
    }
}
