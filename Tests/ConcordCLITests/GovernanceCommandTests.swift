import Foundation
import Testing

/// End-to-end tests of `concord keys`, `concord charter`, `concord audit` and `concord release`.
@Suite("concord governance commands")
struct GovernanceCommandTests {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("concord-gov-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @discardableResult
    static func run(_ arguments: [String], expect status: Int32 = 0) async throws -> Concord.Result {
        let result = try await Concord.run(arguments)
        #expect(
            result.status == status, "\(arguments.joined(separator: " ")): \(result.stdout) \(result.stderr)")
        return result
    }

    @Test func charterLifecycleWithGeneratedKeys() async throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        for name in ["coord", "a", "b"] { try await Self.run(["keys", "generate", "--out", path(name)]) }
        let again = try await Self.run(["keys", "generate", "--out", path("a")], expect: 1)
        #expect(again.stderr.contains("refusing to overwrite"))

        try await Self.run([
            "charter", "init", "--out", path("charter.yaml"), "--federation", "test", "--coordinator-key",
            path("coord.pub"), "--participant", "alpha=\(path("a.pub"))", "--participant", "beta=\(path("b.pub"))",
            "--model", "logreg", "--strategy", "fedavg", "--strategy", "median", "--quorum", "2",
        ])
        let unsigned = try await Self.run(["charter", "verify", "--charter", path("charter.yaml")], expect: 1)
        #expect(unsigned.stdout.contains("participant 'alpha' has not signed"))
        #expect(unsigned.stdout.contains("participant 'beta' has not signed"))

        try await Self.run([
            "charter", "sign", "--charter", path("charter.yaml"), "--key", path("a.key"), "--out", path("a.sig"),
        ])
        let half = try await Self.run(
            ["charter", "verify", "--charter", path("charter.yaml"), "--signatures", path("a.sig"), "--json"], expect: 1
        )
        #expect(half.stdout.contains("\"in_force\":false"))
        #expect(half.stdout.contains("participant 'beta' has not signed"))
        #expect(!half.stdout.contains("'alpha'"))

        try await Self.run([
            "charter", "sign", "--charter", path("charter.yaml"), "--key", path("b.key"), "--out", path("b.sig"),
        ])
        let full = try await Self.run([
            "charter", "verify", "--charter", path("charter.yaml"), "--signatures", path("a.sig"), path("b.sig"),
        ])
        #expect(full.stdout.contains("is in force: all 2 participants signed"))

        let coordinator = try await Self.run(
            ["charter", "sign", "--charter", path("charter.yaml"), "--key", path("coord.key"), "--out", path("c.sig")],
            expect: 1)
        #expect(coordinator.stderr.contains("not any participant's"))

        let canonical = try await Self.run(["charter", "show", "--charter", path("charter.yaml"), "--canonical"])
        #expect(canonical.stdout.hasPrefix("{\"coordinator\":{\"name\":\"coordinator\""))
        let show = try await Self.run(["charter", "show", "--charter", path("charter.yaml")])
        #expect(show.stdout.contains("release quorum 2 of 2"))

        // An edited charter no longer matches its signatures.
        let yaml = try String(contentsOfFile: path("charter.yaml"), encoding: .utf8)
        try yaml.replacingOccurrences(of: "max_rounds: 100", with: "max_rounds: 101")
            .write(toFile: path("edited.yaml"), atomically: true, encoding: .utf8)
        let edited = try await Self.run(
            ["charter", "verify", "--charter", path("edited.yaml"), "--signatures", path("a.sig")], expect: 1)
        #expect(edited.stderr.contains("is for another charter"))
    }

    @Test func auditAndReleaseOfAnExampleRecord() async throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        try await Self.run(["audit", "example", "--out", dir.path, "--rounds", "2"])
        let charter = ["--charter", path("charter.yaml")]
        let verified = try await Self.run(["audit", "verify", path("audit.jsonl")] + charter + ["--timing"])
        #expect(verified.stdout.contains("audit log valid: 17 entries"))
        #expect(verified.stdout.contains("verified 17 entries in"))
        try await Self.run(
            ["audit", "verify", path("audit.jsonl"), "--release", path("release.json"), "--json"] + charter)

        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path("audit.jsonl"))))
        let lineStarts = [0] + bytes.indices.filter { bytes[$0] == 0x0a }.map { $0 + 1 }
        bytes[lineStarts[5] + 40] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path("tampered.jsonl")))
        let tampered = try await Self.run(["audit", "verify", path("tampered.jsonl"), "--json"] + charter, expect: 1)
        #expect(tampered.stdout.contains("\"index\":5"), "\(tampered.stdout)")
        let original = Array(try Data(contentsOf: URL(fileURLWithPath: path("audit.jsonl"))))
        try Data(original[..<lineStarts[12]]).write(to: URL(fileURLWithPath: path("truncated.jsonl")))
        let truncated = try await Self.run(["audit", "verify", path("truncated.jsonl")] + charter, expect: 1)
        #expect(truncated.stdout.contains("entry 12 (line 13)"), "\(truncated.stdout)")
        #expect(truncated.stdout.contains("truncated"))

        let release = ["release", "verify", "--release", path("release.json"), "--charter", path("charter.yaml")]
        let accepted = try await Self.run(
            release + ["--model", path("model.safetensors"), "--audit", path("audit.jsonl")])
        #expect(accepted.stdout.contains("release ACCEPTED: 2 of 3 participants co-signed (quorum 2)"))
        var model = Array(try Data(contentsOf: URL(fileURLWithPath: path("model.safetensors"))))
        model[100] ^= 0x01
        try Data(model).write(to: URL(fileURLWithPath: path("changed.safetensors")))
        let refused = try await Self.run(release + ["--model", path("changed.safetensors")], expect: 1)
        #expect(refused.stdout.contains("release REFUSED"))

        // A fresh release from the log: the coordinator creates it, participants co-sign it.
        try await Self.run(
            [
                "release", "create", "--model", path("model.safetensors"), "--audit", path("audit.jsonl"), "--key",
                path("keys/coordinator.key"), "--metric", "accuracy=0.9", "--out", path("new.json"),
            ] + charter)
        let newRelease =
            ["release", "verify", "--release", path("new.json"), "--model", path("model.safetensors")] + charter
        let short = try await Self.run(newRelease, expect: 1)
        #expect(short.stdout.contains("no quorum: 0 valid participant signature(s)"))
        try await Self.run(
            [
                "release", "sign", "--release", path("new.json"), "--key", path("keys/participant-2.key"),
                "--model", path("model.safetensors"),
            ] + charter)
        try await Self.run(
            [
                "release", "sign", "--release", path("new.json"), "--key", path("keys/participant-0.key"),
                "--out", path("p0.sig"),
            ] + charter)
        let cosigned = try await Self.run(
            newRelease + ["--signatures", path("p0.sig"), "--audit", path("audit.jsonl")])
        #expect(cosigned.stdout.contains("release ACCEPTED"))
        let wrongModel = try await Self.run(
            [
                "release", "sign", "--release", path("new.json"), "--key", path("keys/participant-1.key"), "--model",
                path("changed.safetensors"),
            ] + charter, expect: 1)
        #expect(wrongModel.stderr.contains("not the released model"))
    }

    @Test(
        "bad inputs are clear errors, never crashes",
        arguments: [
            (["charter", "verify", "--charter", "CORRUPT"], "not valid YAML"),
            (["charter", "verify", "--charter", "MISSING"], "cannot be read"),
            (["charter", "sign", "--charter", "CHARTER", "--key", "BADKEY", "--out", "x.sig"], "is malformed"),
            (["charter", "verify", "--charter", "CHARTER", "--signatures", "BADKEY"], "not a Concord signature file"),
            (["audit", "verify", "CORRUPT", "--charter", "CHARTER"], "entry 0 (line 1)"),
            (
                ["release", "verify", "--release", "CORRUPT", "--model", "CORRUPT", "--charter", "CHARTER"],
                "not a release file"
            ),
            (["keys", "generate", "--out", "x", "--name", "a"], "go together"),
        ])
    func badInputs(arguments: [String], message: String) async throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "federation: [unclosed\n".write(
            to: dir.appendingPathComponent("corrupt"), atomically: true, encoding: .utf8)
        try "concord-ed25519-private-key-v1\nnot-base64\n".write(
            to: dir.appendingPathComponent("badkey"), atomically: true, encoding: .utf8)
        // Owner-only, as a key file must be (one that others may read is refused before it is parsed).
        #expect(chmod(dir.appendingPathComponent("badkey").path, 0o600) == 0)
        try await Self.run(["audit", "example", "--out", dir.appendingPathComponent("ex").path, "--rounds", "1"])
        let substitutions = [
            "CORRUPT": dir.appendingPathComponent("corrupt").path, "MISSING": dir.appendingPathComponent("nope").path,
            "CHARTER": dir.appendingPathComponent("ex/charter.yaml").path,
            "BADKEY": dir.appendingPathComponent("badkey").path,
        ]
        let result = try await Concord.run(arguments.map { substitutions[$0] ?? $0 })
        #expect(result.status != 0)
        #expect(result.status < 128, "crashed: \(result.stderr)")
        #expect((result.stdout + result.stderr).contains(message), "\(result.stdout) \(result.stderr)")
    }
}
