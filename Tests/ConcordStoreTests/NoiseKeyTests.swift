import Foundation
import GRDB
import Testing

@testable import ConcordStore

/// Each run's secret noise key: made once, kept across a reopened file, its own per run, a corrupt one refused.
@Suite("A run's noise key")
struct NoiseKeyTests {
    @Test func theKeyIsMadeOnceAndSurvivesReopeningTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("noise-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("run.sqlite").path
        let (run, key): (Int64, [UInt8])
        do {
            let store = try SQLiteRunStore(path: path)
            run = try store.openRun(name: "keyed", configuration: "").id
            key = try store.noiseKey(run: run)
            #expect(key.count == 32)
            #expect(try store.noiseKey(run: run) == key)
            let other = try store.openRun(name: "other", configuration: "")
            #expect(try store.noiseKey(run: other.id) != key)
            // Nothing a status or dashboard reads holds it.
            #expect(try store.runs().allSatisfy { !"\($0)".contains("\(key)") })
        }
        let reopened = try SQLiteRunStore(path: path)
        #expect(try reopened.noiseKey(run: run) == key)
        #expect(throws: StoreError.self) { try reopened.noiseKey(run: 99) }
    }

    @Test func aStoredKeyOfAnotherLengthIsCorrupt() throws {
        let store = try SQLiteRunStore.inMemory()
        let run = try store.openRun(name: "keyed", configuration: "")
        _ = try store.noiseKey(run: run.id)
        try store.access { db in
            try db.execute(sql: "UPDATE run_secrets SET noise_key = ? WHERE run = ?", arguments: [Data([1, 2]), run.id])
        }
        #expect {
            try store.noiseKey(run: run.id)
        } throws: { error in
            "\(error)".contains("noise key is 2 bytes")
        }
    }
}
