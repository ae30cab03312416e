import Foundation

/// Another local user trying to read Concord's secrets while they are written: a Python loop running as `nobody`
/// (uid 65534, through `setpriv` or `runuser`) that walks a folder over and over and opens every file that
/// appears, temporary files included, and reports each secret it managed to read.
///
/// Available only when the tests run as root (to switch user) and a system Python that `nobody` may run exists.
final class OtherUserPoller {
    /// What the other user saw.
    struct Report {
        /// Full passes over the folder.
        var scans: Int
        /// Files it saw (whether it could open them or not), and of those, secrets by name.
        var seen: Int
        var seenSecrets: Int
        /// Public files (certificates, public keys, charters) it read: proof that it could read what is public.
        var publicReads: Int
        /// The secrets it read: must be none.
        var secretReads: [String]
        /// The poller's exit status.
        var status: Int32
    }

    /// The command that runs a program as uid and gid 65534 with no supplementary groups, or nil.
    static let switchUser: [String]? = {
        guard getuid() == 0 else { return nil }
        if let setpriv = find("setpriv") { return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] }
        if let runuser = find("runuser") { return [runuser, "-u", "nobody", "--"] }
        return nil
    }()

    /// A Python the other user may run (not one under root's home, which `nobody` cannot enter).
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Whether the test can run here, and if not, why.
    static var unavailableReason: String? {
        if getuid() != 0 { return "runs only as root, which can start a process as another user (nobody)" }
        if switchUser == nil { return "needs setpriv (util-linux) or runuser to start a process as nobody" }
        if python == nil { return "needs /usr/bin/python3 for the other user's poller" }
        return nil
    }

    private static func find(_ name: String) -> String? {
        ["/usr/bin", "/bin", "/usr/sbin", "/sbin"].map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The poller. A file is a secret if its name says so (`*.key`, `*-key.pem`, the store and its `-wal` and
    /// `-shm`, or a temporary file of one of them) or if what it read holds a private key or a SQLite header.
    static let script = #"""
        import os, sys, time
        root, stop, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
        MARKERS = (b"PRIVATE KEY", b"concord-ed25519-private-key-v1", b"SQLite format 3")
        def secret_name(name):
            if name.startswith(".") and ".tmp-" in name:
                name = name[1:name.rindex(".tmp-")]
            return name.endswith(".key") or name.endswith("-key.pem") or ".sqlite" in name
        seen, seen_secrets, public, secrets, scans = set(), set(), set(), set(), 0
        print("ready", flush=True)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and not os.path.exists(stop):
            scans += 1
            for folder, _, files in os.walk(root):
                for name in files:
                    path = os.path.join(folder, name)
                    seen.add(path)
                    if secret_name(name):
                        seen_secrets.add(path)
                    try:
                        with open(path, "rb") as f:
                            data = f.read(1 << 16)
                    except OSError:
                        continue
                    if secret_name(name) or any(m in data for m in MARKERS):
                        secrets.add(path)
                    else:
                        public.add(path)
        print("scans", scans)
        print("seen", len(seen))
        print("seen_secrets", len(seen_secrets))
        print("public", len(public))
        for path in sorted(secrets):
            print("SECRET", path)
        """#

    private let process: Process
    private let output: Pipe
    private let stopFile: String

    private init(process: Process, output: Pipe, stopFile: String) {
        self.process = process
        self.output = output
        self.stopFile = stopFile
    }

    /// Starts polling `folder` (for at most `limit` seconds) and returns once the poller runs.
    ///
    /// - Parameter stopFile: a path outside `folder` whose creation tells the poller to finish.
    static func start(folder: String, stopFile: String, limit: Double = 30) async throws -> OtherUserPoller {
        guard let switchUser, let python else { throw CocoaError(.featureUnsupported) }
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: switchUser[0])
        process.arguments =
            Array(switchUser.dropFirst()) + [python, "-I", "-c", script, folder, stopFile, "\(limit)"]
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Wait for "ready" on a thread of its own, never on the cooperative pool.
        let reading = output.fileHandleForReading
        await onThread {
            var started = Data()
            while !String(decoding: started, as: UTF8.self).contains("ready\n") {
                let chunk = reading.availableData
                if chunk.isEmpty { break }
                started.append(chunk)
            }
        }
        return OtherUserPoller(process: process, output: output, stopFile: stopFile)
    }

    /// Tells the poller to stop and returns what it saw.
    func finish() async throws -> Report {
        // One more full pass over what was written last, then stop.
        try await Task.sleep(for: .milliseconds(500))
        _ = FileManager.default.createFile(atPath: stopFile, contents: nil)
        let (reading, process) = (output.fileHandleForReading, self.process)
        let text = await onThread { String(decoding: reading.readDataToEndOfFile(), as: UTF8.self) }
        await onThread { process.waitUntilExit() }
        var report = Report(
            scans: 0, seen: 0, seenSecrets: 0, publicReads: 0, secretReads: [], status: process.terminationStatus)
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "scans": report.scans = Int(parts[1]) ?? 0
            case "seen": report.seen = Int(parts[1]) ?? 0
            case "seen_secrets": report.seenSecrets = Int(parts[1]) ?? 0
            case "public": report.publicReads = Int(parts[1]) ?? 0
            case "SECRET": report.secretReads.append(parts[1])
            default: break
            }
        }
        return report
    }
}
