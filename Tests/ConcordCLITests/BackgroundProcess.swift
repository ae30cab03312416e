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
