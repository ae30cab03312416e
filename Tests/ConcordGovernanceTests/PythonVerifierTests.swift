import Foundation
import Testing

@testable import ConcordGovernance

/// Tools/verify_concord.py, an independent Python implementation of Docs/governance-encoding.md, accepts what
/// Concord writes and refuses tampered copies. Skipped when python3 or its `cryptography` package is missing.
@Suite(.enabled(if: Python.available(module: "cryptography"), "needs python3 with the cryptography package"))
struct PythonVerifierTests {
    static let tool = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tools/verify_concord.py").path

    /// Writes the example record into a fresh directory.
    static func record() throws -> URL {
        let example = try Fixture.get()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-py-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func write(_ name: String, _ data: Data) throws { try data.write(to: directory.appendingPathComponent(name)) }
        try write("charter.json", Data((example.charter.canonicalValue.canonicalText + "\n").utf8))
        try write("audit.jsonl", example.log.jsonLines)
        try write("model.safetensors", Data(example.model))
        try write("release.json", Data(example.release.fileText.utf8))
        for participant in example.participants {
            try write(
                "\(participant.name).sig", Data(try example.charter.sign(with: participant.identity).fileText.utf8))
        }
        return directory
    }

    static func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
        let result = try #require(
            try Python.execute(
                [tool]
                    + arguments.map {
                        $0.contains(".") && !$0.hasPrefix("-") ? directory.appendingPathComponent($0).path : $0
                    }))
        return (result.status, result.stdout + result.stderr)
    }

    static let signatures = ["--charter-signatures", "participant-0.sig", "participant-1.sig", "participant-2.sig"]

    @Test func acceptsWhatConcordWrote() throws {
        let directory = try Self.record()
        defer { try? FileManager.default.removeItem(at: directory) }
        let audit = try Self.run(
            ["audit", "audit.jsonl", "--charter-json", "charter.json", "--release", "release.json"], in: directory)
        #expect(audit.status == 0, "\(audit.output)")
        let release = try Self.run(
            [
                "release", "release.json", "--model", "model.safetensors", "--charter-json", "charter.json", "--audit",
                "audit.jsonl",
            ] + Self.signatures, in: directory)
        #expect(release.status == 0, "\(release.output)")
        #expect(release.output.contains(try Fixture.get().charter.hash))
    }

    @Test func refusesTamperedCopiesAtTheSameEntryAsConcord() throws {
        let directory = try Self.record()
        defer { try? FileManager.default.removeItem(at: directory) }
        let example = try Fixture.get()
        let original = Array(example.log.jsonLines)
        let keys = example.charter.trustedKeys
        let lineStarts = [0] + original.indices.filter { original[$0] == 0x0a }.map { $0 + 1 }.dropLast()
        var cases: [(String, [UInt8])] = []
        for (i, start) in lineStarts.enumerated() where [0, 3, 6, 16].contains(i) {
            for offset in [2, 60, 200] {
                var bytes = original
                bytes[start + offset] ^= 0x01
                cases.append(("flip \(i)+\(offset)", bytes))
            }
        }
        let lines = original.split(separator: 0x0a).map { Array($0) + [0x0a] }
        cases.append(("truncated", Array(lines.prefix(12).joined())))
        var swapped = lines
        swapped.swapAt(4, 5)
        cases.append(("swapped", Array(swapped.joined())))
        var deleted = lines
        deleted.remove(at: 8)
        cases.append(("deleted", Array(deleted.joined())))
        var expected: [String: Int] = [:]
        for (i, (name, bytes)) in cases.enumerated() {
            let swift = AuditVerifier.verify(jsonLines: Data(bytes), keys: keys)
            expected["tampered-\(i).jsonl"] = try #require(swift.failure?.index, "\(name): Swift accepted it")
            try Data(bytes).write(to: directory.appendingPathComponent("tampered-\(i).jsonl"))
        }
        let python = try Self.run(
            ["audit"] + cases.indices.map { "tampered-\($0).jsonl" } + ["--charter-json", "charter.json"], in: directory
        )
        #expect(python.status == 1, "\(python.output)")
        let reported = python.output.split(separator: "\n").map(String.init)
        #expect(reported.count == cases.count, "\(python.output)")
        for (file, failing) in expected {
            let line = reported.first { $0.contains("/\(file): ") } ?? "no line for \(file)"
            #expect(line.contains("INVALID: entry \(failing) (line \(failing + 1))"), "\(line)")
        }
    }

    @Test func refusesATamperedModelOrMissingQuorum() throws {
        let directory = try Self.record()
        defer { try? FileManager.default.removeItem(at: directory) }
        var model = try Fixture.get().model
        model[model.count / 2] ^= 0x01
        try Data(model).write(to: directory.appendingPathComponent("tampered.safetensors"))
        let changed = try Self.run(
            ["release", "release.json", "--model", "tampered.safetensors", "--charter-json", "charter.json"],
            in: directory)
        #expect(changed.status == 1, "\(changed.output)")
        #expect(changed.output.contains("the model file is not the released model"))

        var release = try Fixture.get().release
        release.signatures["participant-1"] = nil
        try Data(release.fileText.utf8).write(to: directory.appendingPathComponent("short.json"))
        let short = try Self.run(
            ["release", "short.json", "--model", "model.safetensors", "--charter-json", "charter.json"]
                + Self.signatures,
            in: directory)
        #expect(short.status == 1, "\(short.output)")
        #expect(short.output.contains("no quorum"))

        let unsigned = try Self.run(
            [
                "release", "release.json", "--model", "model.safetensors", "--charter-json", "charter.json",
                "--charter-signatures", "participant-0.sig",
            ], in: directory)
        #expect(unsigned.status == 1, "\(unsigned.output)")
        #expect(unsigned.output.contains("participant 'participant-2' has not signed"))
    }
}
