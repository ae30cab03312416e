import Foundation
import Testing

/// Programs from outside the project that the tests drive: headless Chromium, curl, Python. Each is installed
/// by `scripts/bootstrap.sh --python`, which `scripts/test.sh` runs; a test that needs one that is missing fails
/// and says how to install it, rather than skipping in silence.
enum ExternalTool {
    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// The first of `names` found on the PATH (or in /usr/bin), or nil.
    static func find(_ names: [String]) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/bin:/bin"
        for name in names {
            for directory in path.split(separator: ":") {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// Headless Chromium (Debian's `chromium`); records an issue saying how to install it when it is missing.
    static func chromium() throws -> String {
        try #require(
            find(["chromium", "chromium-browser", "google-chrome"]),
            "headless Chromium is not installed: scripts/bootstrap.sh --python installs it (apt-get install chromium)")
    }

    /// Runs `executable` with `arguments` to its end, `input` on its standard input, on threads of its own.
    static func run(_ executable: String, _ arguments: [String], input: Data? = nil) async throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        try process.run()
        if let input {
            await onThread {
                inPipe.fileHandleForWriting.write(input)
                try? inPipe.fileHandleForWriting.close()
            }
        }
        async let outData = onThread { out.fileHandleForReading.readDataToEndOfFile() }
        async let errData = onThread { err.fileHandleForReading.readDataToEndOfFile() }
        let (stdout, stderr) = await (outData, errData)
        await onThread { process.waitUntilExit() }
        return Output(
            status: process.terminationStatus, stdout: stdout, stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Chromium's flags for a headless run as root in a container, with a profile of its own.
    static func chromiumFlags(profile: String) -> [String] {
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(profile)", "--virtual-time-budget=3000",
        ]
    }
}
