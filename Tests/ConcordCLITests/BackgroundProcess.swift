import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A `concord` process running beside the test, its output captured in a file.
final class BackgroundProcess: @unchecked Sendable {
    let process = Process()
    let log: URL

    /// Starts `concord` (or `executable`, a program from outside such as python3) with `arguments`.
    init(_ arguments: [String], log: URL, environment: [String: String] = [:], executable: String? = nil) throws {
        self.log = log
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = try executable.map { URL(fileURLWithPath: $0) } ?? Concord.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// What the process has written so far.
    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// `kill -9`.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// `kill -9` of a `concord serve` at a random instant of round `round + 1` of `rounds`: once its log
    /// shows round `round` committed, after a random part of the time that round took (the `[0.22 s]` it
    /// prints). Picking the round from the log, not a clock, keeps the kill mid-run on a fast machine too;
    /// `round` must leave at least two rounds to go. Returns false, killing nothing, when round `round` never
    /// showed within `timeout` seconds.
    func killMidRun(after round: Int, of rounds: Int, timeout: Double) async -> Bool {
        precondition(round >= 1 && round <= rounds - 2, "a kill after round \(round) of \(rounds) may come after the end")
        let marker = "round \(round)/\(rounds):"
        guard await waitFor(marker, timeout: timeout) else { return false }
        let line = output.split(separator: "\n").first { $0.contains(marker) } ?? ""
        let took = line.firstMatch(of: /\[([0-9.]+) s\]/).flatMap { Double($0.1) } ?? 0.1
        try? await Task.sleep(for: .seconds(Double.random(in: 0..<max(took, 0.01))))
        kill()
        return true
    }

    /// Waits for the process to end, at most `timeout` seconds; kills it if it does not.
    @discardableResult
    func wait(timeout: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { await Self.pause() }
        guard !process.isRunning else {
            kill()
            return nil
        }
        return process.terminationStatus
    }

    /// Waits until the output contains `text`, at most `timeout` seconds.
    func waitFor(_ text: String, timeout: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.contains(text) { return true }
            await Self.pause()
        }
        return false
    }

    /// Waits until the file at `path` exists and is not empty, at most `timeout` seconds, and returns its
    /// text; nil when it never appears or the process ends first.
    func waitForFile(_ path: String, timeout: Double) async -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), !text.isEmpty { return text }
            guard process.isRunning else { return nil }
            await Self.pause()
        }
        return nil
    }

    /// Waits between two looks without holding a thread of the cooperative pool.
    private static func pause() async { try? await Task.sleep(for: .milliseconds(50)) }

    deinit { if process.isRunning { kill() } }
}
