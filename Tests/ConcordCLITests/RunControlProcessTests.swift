import ConcordStore
import Foundation
import Testing

/// `concord run pause|resume|stop` against a real coordinator and nodes: the run holds, goes on, stops, and a
/// coordinator started again finishes it with the model an uninterrupted run ends with, byte for byte.
@Suite("Operators' control of a real federation", .serialized)
struct RunControlProcessTests {
    typealias Federation = FederationProcessTests.Federation

    @Test("pause holds the run, resume continues it, stop ends the coordinator, and serve resumes it bit for bit")
    func pauseResumeStopAndResume() async throws {
        let federation = try await Federation()
        defer { federation.remove() }
        // The uninterrupted run: `simulate` with the same seed and partition ends with the model an
        // uninterrupted `serve` does (FederationProcessTests checks that equality).
        // Enough rounds that each pause lands long before the run ends: a pause is a process start and a 200 ms
        // poll, and a fast machine runs a round of this federation in 0.2 s (with 6 rounds, a pause could miss).
        let rounds = 24
        let reference = try await federation.simulate(rounds: rounds, model: "logreg")
        _ = try federation.configure(rounds: rounds, model: "logreg")
        let store = federation.path("run.sqlite")
        var (coordinator, port) = try await federation.serve(log: "serve-1.log")
        let nodes = try FederationProcessTests.names.map { try federation.node($0, port: port) }
        func control(_ verb: String) async throws {
            let result = try await Concord.run(["run", verb, "--store", store])
            #expect(result.status == 0, "run \(verb): \(result.stderr)")
        }
        func committed() throws -> (StoredRun, Int) {
            let database = try SQLiteRunStore(path: store)
            let run = try #require(try database.runs().first)
            return (run, try database.rounds(run: run.id).count)
        }

        #expect(await coordinator.waitFor("round 1/\(rounds)", timeout: 120), "\(coordinator.output)")
        try await control("pause")
        #expect(await coordinator.waitFor("paused by the operator", timeout: 60), "\(coordinator.output)")
        let (paused, held) = try committed()
        #expect(paused.state == .paused && (paused.reason ?? "").contains("paused by the operator"))
        try await Task.sleep(for: .seconds(1.5))
        #expect(try committed().1 == held, "a round was committed while paused")
        let status = try await Concord.run(["status", "--store", store])
        #expect(status.stdout.contains("paused (paused by the operator"), "\(status.stdout)")

        try await control("resume")
        #expect(await coordinator.waitFor("resumed by the operator", timeout: 60), "\(coordinator.output)")
        #expect(await coordinator.waitFor("round \(held + 1)/\(rounds)", timeout: 120), "\(coordinator.output)")
        // Paused again before the stop, so that the stop lands before the last round, whatever the timing.
        try await control("pause")
        let deadline = Date().addingTimeInterval(60)
        while coordinator.output.components(separatedBy: "paused by the operator after round").count < 3,
            Date() < deadline
        {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try committed().0.state == .paused, "\(coordinator.output)")
        try await control("stop")
        #expect(await coordinator.wait(timeout: 60) == 0, "\(coordinator.output)")
        #expect(coordinator.output.contains("stopped by the operator after round"), "\(coordinator.output)")
        #expect(!FileManager.default.fileExists(atPath: federation.path("final.safetensors")), "saved on a stop")
        let (stopped, kept) = try committed()
        #expect(stopped.state == .paused && (stopped.reason ?? "").contains("stopped by the operator"))
        #expect(kept < rounds, "the run ended before the stop; the test proves nothing")

        // The stop took the place of the pause: a coordinator started again runs at once.
        (coordinator, port) = try await federation.serve(log: "serve-2.log", port: port)
        #expect(await coordinator.wait(timeout: 240) == 0, "\(coordinator.output)")
        #expect(coordinator.output.contains("resuming run 'test' after round \(kept)"), "\(coordinator.output)")
        #expect(try federation.finalModel() == reference, "the resumed run's final model differs")
        for node in nodes { #expect(await node.wait(timeout: 30) == 0, "\(node.output)") }
    }
}
