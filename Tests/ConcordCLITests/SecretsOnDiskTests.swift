import ConcordStore
import Foundation
import Testing

/// Issue 20: another local user never reads a secret Concord writes, not even for an instant, and a key file that
/// others may read is refused.
@Suite("Secrets on disk")
struct SecretsOnDiskTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("concord-secrets-\(UUID().uuidString)")
        // Traversable by everyone, so that only the files' own modes keep the other user out.
        try FileManager.default.createDirectory(
            at: url.appendingPathComponent("watched"), withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o755])
        #expect(chmod(url.path, 0o755) == 0)
        return url
    }

    static func run(_ arguments: [String]) async throws {
        let result = try await Concord.run(arguments)
        #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stdout) \(result.stderr)")
    }

    /// Every writer of secrets, run over and over while `nobody` polls the folder and opens every new file.
    @Test(.enabled(if: OtherUserPoller.unavailableReason == nil, "\(OtherUserPoller.unavailableReason ?? "")"))
    func anotherUserReadsNoSecretWhileTheWritersRun() async throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let watched = root.appendingPathComponent("watched")
        let poller = try await OtherUserPoller.start(
            folder: watched.path, stopFile: root.appendingPathComponent("stop").path)
        // A control: a key anyone may read, which the poller must report (so that it would report a real leak).
        let canary = watched.appendingPathComponent("canary.key").path
        #expect(FileManager.default.createFile(atPath: canary, contents: Data("canary\n".utf8)))
        #expect(chmod(canary, 0o644) == 0)
        let start = ContinuousClock.now
        var iterations = 0
        // Bounded: about five seconds of writing, at least one pass over every writer.
        while iterations == 0 || (iterations < 8 && ContinuousClock.now - start < .seconds(5)) {
            let folder = watched.appendingPathComponent("\(iterations)")
            try FileManager.default.createDirectory(
                at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
            func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
            // The store (the run's secret seed), opened in-process as `concord serve` opens it, held open meanwhile.
            let store = try SQLiteRunStore(path: path("run.sqlite"))
            _ = try store.openRun(name: "run", configuration: "rounds: 1", seed: .random(in: .min ... .max))
            try await Self.run(["keys", "generate", "--out", path("coordinator")])
            try await Self.run([
                "keys", "generate", "--out", path("simulated"), "--simulated-seed", "1", "--name", "p-0",
            ])
            try await Self.run(["certs", "init", "--out", path("pki"), "--nodes", "alpha,beta,gamma"])
            try await Self.run(["certs", "issue", "--dir", path("pki"), "--node", "delta"])
            try await Self.run(["audit", "example", "--out", path("example"), "--participants", "3", "--rounds", "1"])
            _ = try store.runs()
            iterations += 1
        }
        let report = try await poller.finish()
        print(
            "secrets on disk: \(iterations) passes of the writers; nobody made \(report.scans) scans, saw "
                + "\(report.seen) files (\(report.seenSecrets) secrets), read \(report.publicReads) public files and "
                + "\(report.secretReads.count) secrets: \(report.secretReads)")
        #expect(report.status == 0)
        #expect(report.secretReads == [canary], "nobody read \(report.secretReads.count - 1) secrets")
        // The check was real: the poller ran, saw the secrets appear, and read the public files beside them.
        #expect(report.scans > 0)
        #expect(report.seenSecrets >= 12 * iterations, "saw \(report.seenSecrets) secrets in \(iterations) passes")
        #expect(report.publicReads > 0)
    }

    @Test func aKeyOthersMayReadIsRefusedUnlessAllowed() async throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        func path(_ name: String) -> String { root.appendingPathComponent(name).path }
        try await Self.run([
            "charter", "init", "--out", path("charter.yaml"), "--simulated", "1", "--seed", "3", "--model", "logreg",
        ])
        try await Self.run(["keys", "generate", "--out", path("p"), "--simulated-seed", "3", "--name", "participant-0"])
        #expect(chmod(path("p.key"), 0o644) == 0)
        let sign = [
            "charter", "sign", "--charter", path("charter.yaml"), "--key", path("p.key"), "--out", path("p.sig"),
        ]
        let refused = try await Concord.run(sign)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("'\(path("p.key"))' is readable by group or others (mode 0644)"))
        #expect(refused.stderr.contains("run: chmod 600 \(path("p.key"))"))
        #expect(!FileManager.default.fileExists(atPath: path("p.sig")))
        try await Self.run(sign + ["--allow-insecure-key-permissions"])
        #expect(FileManager.default.fileExists(atPath: path("p.sig")))

        try await Self.run(["certs", "init", "--out", path("pki"), "--nodes", "alpha"])
        #expect(chmod(path("pki/ca-key.pem"), 0o640) == 0)
        let issue = try await Concord.run(["certs", "issue", "--dir", path("pki"), "--node", "beta"])
        #expect(issue.status != 0)
        #expect(issue.stderr.contains("run: chmod 600 \(path("pki/ca-key.pem"))"))
    }
}
