import ConcordStore
import Foundation
import Testing

/// Operators' requests (`concord run pause|resume|stop`) travel through the store, written by one process and
/// read by another.
@Suite struct RunControlTests {
    @Test func aRequestWrittenByOneConnectionIsReadByAnotherUntilWithdrawn() throws {
        try Fixtures.withDirectory { directory in
            let path = directory.appendingPathComponent("runs.sqlite").path
            let coordinator = try SQLiteRunStore(path: path)
            let run = try coordinator.openRun(name: "r", configuration: "rounds: 3")
            #expect(try coordinator.control(run: run.id) == nil)
            let operatorSide = try SQLiteRunStore(path: path)
            try operatorSide.requestControl(run: run.id, .pause)
            #expect(try coordinator.control(run: run.id) == .pause)
            try operatorSide.requestControl(run: run.id, .stop)
            #expect(try coordinator.control(run: run.id) == .stop)
            try operatorSide.requestControl(run: run.id, nil)
            #expect(try coordinator.control(run: run.id) == nil)
        }
    }

    @Test func anUnknownRunIsRefused() throws {
        let store = try SQLiteRunStore.inMemory()
        #expect(throws: StoreError.self) { try store.requestControl(run: 42, .stop) }
        #expect(throws: StoreError.self) { try store.control(run: 42) }
    }
}
