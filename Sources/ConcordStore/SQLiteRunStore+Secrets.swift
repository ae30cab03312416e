import Foundation
import GRDB

extension SQLiteRunStore {
    /// The run's secret noise key, created on first use; see ``RunStore/noiseKey(run:)``.
    public func noiseKey(run: Int64) throws -> [UInt8] {
        try access { db in
            _ = try self.run(db, run)
            if let stored = try Data.fetchOne(
                db, sql: "SELECT noise_key FROM run_secrets WHERE run = ?", arguments: [run]).map(Array.init)
            {
                guard stored.count == 32 else {
                    throw StoreError.corrupt(
                        "\(self.path): run \(run)'s noise key is \(stored.count) bytes, not 32; restore the file from "
                            + "a backup")
                }
                return stored
            }
            // SystemRandomNumberGenerator is the operating system's CSPRNG (getrandom on Linux).
            var generator = SystemRandomNumberGenerator()
            let key = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            try db.execute(sql: "INSERT INTO run_secrets (run, noise_key) VALUES (?, ?)", arguments: [run, Data(key)])
            return key
        }
    }
}
