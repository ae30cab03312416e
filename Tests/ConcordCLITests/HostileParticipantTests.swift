import ConcordTesting
import Foundation
import Testing

@testable import ConcordWire

/// Real processes on 127.0.0.1: `concord serve` and `concord node`s over mutual TLS on MNIST, with one
/// participant that holds a valid certificate and attacks (a ``HostileNode`` in the test process).
@Suite("Hostile admitted participants against a real coordinator", .serialized)
struct HostileParticipantTests {
    typealias Federation = FederationProcessTests.Federation

    /// The examples `concord partition` gives each of the three participants.
    static let examples: UInt64 = 20_000

    /// What an honest federation of the three does in three rounds of logreg: the reference.
    struct Honest: Sendable {
        var accuracy: Double
        var peakKilobytes: Int
    }

    static let honest = Task<Honest, any Error> {
        let federation = try await Federation()
        defer { federation.remove() }
        _ = try federation.configure(rounds: 3, model: "logreg", minFitResults: nil)
        let (coordinator, port) = try await federation.serve(log: "serve.log")
        let nodes = try FederationProcessTests.names.map { try federation.node($0, port: port) }
        let peak = await Self.peakKilobytes(of: coordinator, timeout: 240)
        let output = coordinator.output
        for node in nodes { _ = await node.wait(timeout: 30) }
        guard let accuracy = Self.finalAccuracy(output) else { throw ReferenceFailed(output: output) }
        return Honest(accuracy: accuracy, peakKilobytes: peak)
    }

    struct ReferenceFailed: Error { var output: String }

    /// Runs a federation of alpha and beta as `concord node`s and gamma as `hostile`, three rounds of logreg.
    ///
    /// - Returns: the coordinator's output, its peak resident memory and the hostile node.
    static func attacked(
        extra: String = "", minFitResults: Int? = nil, rounds: Int = 3, hostile answer: @escaping HostileNode.Answer
    ) async throws -> (output: String, peakKilobytes: Int, hostile: HostileNode, status: String) {
        let federation = try await Federation()
        defer { federation.remove() }
        _ = try federation.configure(rounds: rounds, model: "logreg", minFitResults: minFitResults, extra: extra)
        let (coordinator, port) = try await federation.serve(log: "serve.log")
        let nodes = try ["alpha", "beta"].map { try federation.node($0, port: port) }
        let hostile = HostileNode(
            name: "gamma", port: port, pki: federation.path("pki"), examples: examples, answer: answer)
        let peak = await peakKilobytes(of: coordinator, timeout: 240)
        await hostile.stop()
        for node in nodes { #expect(await node.wait(timeout: 30) == 0, "\(node.output)") }
        let status = try await Concord.run(["status", "--store", federation.path("run.sqlite")])
        return (coordinator.output, peak, hostile, status.stdout)
    }

    /// Waits for the process to end, reading its peak resident memory (VmHWM) until then.
    static func peakKilobytes(of process: BackgroundProcess, timeout: Double) async -> Int {
        let status = "/proc/\(process.process.processIdentifier)/status"
        var peak = 0
        let deadline = Date().addingTimeInterval(timeout)
        while process.process.isRunning, Date() < deadline {
            if let text = try? String(contentsOfFile: status, encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
            {
                peak = max(peak, kilobytes)
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        #expect(await process.wait(timeout: 5) == 0, "\(process.output)")
        return peak
    }

    /// The test accuracy of the last round the output reports.
    static func finalAccuracy(_ output: String) -> Double? {
        let line = output.split(separator: "\n").last { $0.contains("test accuracy ") }
        guard let line, let range = line.range(of: "test accuracy ") else { return nil }
        return Double(line[range.upperBound...].prefix { $0 != "%" })
    }

    @Test("zeros claiming 2^31-1 examples are refused: accuracy stays within a point of the honest run")
    func weightAttack() async throws {
        let honest = try await Self.honest.value
        let run = try await Self.attacked { task, scalars, _ in
            HostileNode.reply(to: task, values: Array(repeating: 0, count: scalars), examples: UInt64(Int32.max))
        }
        let accuracy = try #require(Self.finalAccuracy(run.output), "\(run.output)")
        print("weight attack: test accuracy \(accuracy)% attacked, \(honest.accuracy)% honest")
        #expect(abs(accuracy - honest.accuracy) <= 1, "attacked \(accuracy)%, honest \(honest.accuracy)%")
        #expect(
            run.output.contains("gamma (malformed message: the reply claims 2147483647 examples; the node declared 20000"),
            "\(run.output)")
        #expect(run.output.contains("round 3/3: 2 of 3 answered"), "\(run.output)")
    }

    @Test("replies to tasks that await none end the session unread: coordinator memory stays under 2x the honest peak")
    func lateReplyFlood() async throws {
        let honest = try await Self.honest.value
        // One mebibyte shared by every chunk: the flood costs the test nothing.
        let block = Data(repeating: 0x5a, count: Payload.chunkSize)
        let run = try await Self.attacked { task, scalars, declared in
            var messages = HostileNode.reply(to: task, values: Array(repeating: 0, count: scalars), examples: declared)
            // The same task answered again, announcing a gibibyte, and 1.5 GiB of chunks after it.
            var again = Concord_V1_NodeMessage()
            again.reply.taskID = task.id
            again.reply.fit.exampleCount = declared
            again.reply.payloadBytes = 1 << 30
            messages.append(again)
            for index in 0..<1536 {
                var chunk = Concord_V1_NodeMessage()
                chunk.chunk.taskID = task.id
                chunk.chunk.index = UInt32(index)
                chunk.chunk.data = block
                messages.append(chunk)
            }
            return messages
        }
        #expect(run.output.contains("a reply to task"), "\(run.output)")
        #expect(run.output.contains("which awaits none"), "\(run.output)")
        print("late-reply flood: coordinator peak RSS \(run.peakKilobytes) kB, honest run \(honest.peakKilobytes) kB")
        #expect(
            run.peakKilobytes < 2 * honest.peakKilobytes,
            "coordinator peak \(run.peakKilobytes) kB against \(honest.peakKilobytes) kB honest")
        #expect(run.output.contains("completed 3 rounds"), "\(run.output)")
    }

    @Test("NaN replies: every failure names the node and why, retries back off, and after 3 the node is excluded")
    func nanReplies() async throws {
        let run = try await Self.attacked(
            extra: "min_fit_fraction: 1.0\nretry_backoff_seconds: 0.2\nexclude_after_invalid_replies: 3", rounds: 2
        ) { task, scalars, declared in
            HostileNode.reply(to: task, values: Array(repeating: .nan, count: scalars), examples: declared)
        }
        let output = run.output
        let failures = output.components(separatedBy: "gamma (malformed message: the reply holds non-finite values")
        #expect(failures.count - 1 == 3, "\(output)")
        #expect(output.contains("retrying from the last committed round in 0.2 s (try 2)"), "\(output)")
        #expect(output.contains("retrying from the last committed round in 0.4 s (try 3)"), "\(output)")
        #expect(output.contains("gamma: excluded from the run: 3 invalid replies in a row"), "\(output)")
        #expect(output.contains("round 2/2: 2 of 2 answered"), "\(output)")
        #expect(run.hostile.rejection?.contains("excluded from the run") == true, "\(String(describing: run.hostile.rejection))")
        #expect(run.status.contains("gamma") && run.status.contains("excluded"), "\(run.status)")
    }

    @Test("two nodes with the same name: the second is turned away while the first holds the session")
    func duplicateNames() async throws {
        let federation = try await Federation()
        defer { federation.remove() }
        _ = try federation.configure(rounds: 3, model: "logreg", minFitResults: nil)
        let (coordinator, port) = try await federation.serve(log: "serve.log")
        let nodes = try FederationProcessTests.names.map { try federation.node($0, port: port) }
        #expect(await coordinator.waitFor("gamma: connected", timeout: 120), "\(coordinator.output)")
        let twin = try federation.node("gamma", port: port, log: "node-gamma-twin.log")
        #expect(await coordinator.wait(timeout: 240) == 0, "\(coordinator.output)")
        twin.kill()
        let output = coordinator.output
        #expect(output.contains("gamma: refused ipv4:127.0.0.1:"), "\(output)")
        #expect(output.contains("'gamma' already has a session open, from ipv4:127.0.0.1:"), "\(output)")
        #expect(output.components(separatedBy: "gamma: connected").count == 2, "gamma joined more than once")
        let duringRun = output.components(separatedBy: "round 3/3")[0]
        #expect(!duringRun.contains("gamma: disconnected"), "the first gamma was pushed out: \(output)")
        for round in 1...3 { #expect(output.contains("round \(round)/3: 3 of 3 answered"), "\(output)") }
        for node in nodes { #expect(await node.wait(timeout: 30) == 0, "\(node.output)") }
    }

    @Test("200 connections that never start TLS are closed by the deadline while three nodes complete the run")
    func idleConnections() async throws {
        let federation = try await Federation()
        defer { federation.remove() }
        _ = try federation.configure(rounds: 2, model: "logreg", minFitResults: 3)
        let (coordinator, port) = try await federation.serve(log: "serve.log")
        let opened = Date()
        let flood = try (0..<200).map { _ in try LoopbackConnection(port: port, from: "127.0.0.2") }
        let nodes = try FederationProcessTests.names.map { try federation.node($0, port: port) }
        let end = Date().addingTimeInterval(30)
        while Date() < end, !flood.allSatisfy(\.isClosed) { try await Task.sleep(for: .milliseconds(100)) }
        let open = flood.filter { !$0.isClosed }.count
        #expect(open == 0, "\(open) idle connections left open")
        #expect(Date().timeIntervalSince(opened) < 25)
        #expect(await coordinator.wait(timeout: 240) == 0, "\(coordinator.output)")
        let output = coordinator.output
        #expect(output.components(separatedBy: "closed a connection from 127.0.0.2").count - 1 == 200, "\(output)")
        #expect(output.contains("round 2/2: 3 of 3 answered"), "\(output)")
        for node in nodes { #expect(await node.wait(timeout: 30) == 0, "\(node.output)") }
    }
}
