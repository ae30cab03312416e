import Foundation
import Testing

@testable import ConcordStore

/// The store holds each run's secret sampling seed: its file and SQLite's `-wal` and `-shm` files are owner-only.
@Suite struct StoreFileModeTests {
    static func mode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    @Test func theStoreAndItsWALAndSharedMemoryFilesAreCreated0600() throws {
        try Fixtures.withDirectory { directory in
            let path = directory.appendingPathComponent("runs.sqlite").path
            let store = try SQLiteRunStore(path: path)
            let run = try store.openRun(name: "secret", configuration: "rounds: 1", seed: 0x5eed)
            try store.commitRound(
                run: run.id, record: Fixtures.record(1), checkpoint: Fixtures.checkpoint(values: Fixtures.oddValues))
            // While the store is open, SQLite keeps its write-ahead log and shared-memory index beside the file.
            for file in [path, path + "-wal", path + "-shm"] {
                #expect(FileManager.default.fileExists(atPath: file), "\(file)")
                #expect(try Self.mode(file) == 0o600, "\(file)")
            }
            #expect(try store.runs().first?.seed == 0x5eed)
        }
    }
}
