import Foundation
import Testing

@testable import ConcordSystem

/// A fresh folder (mode 0755), removed by `remove()`.
struct ScratchFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("concord-secret-\(UUID())").path
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// The names in the folder, temporary files included.
    func names() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

@Suite("Secrets on disk: created 0600 from the first byte, whole or not at all")
struct SecretFileTests {
    @Test func aSecretIsWrittenOwnerOnlyAndNoTemporaryFileIsLeft() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = folder.file("a.key")
        try SecretFile.write("secret\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "secret\n")
        #expect(try SecretFile.mode(of: path) == 0o600)
        #expect(try folder.names() == ["a.key"])
    }

    @Test func anExistingFileIsKeptUnlessReplacing() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = folder.file("a.key")
        try SecretFile.write("first", to: path)
        #expect(throws: SecretFileError.exists(path: path)) { try SecretFile.write("second", to: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first")
        // A file that was wider before is replaced by a new one of mode 0600.
        #expect(chmod(path, 0o644) == 0)
        try SecretFile.write("second", to: path, replacing: true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
        #expect(try SecretFile.mode(of: path) == 0o600)
        #expect(try folder.names() == ["a.key"])
    }

    @Test func aDanglingSymbolicLinkIsNotFollowedNorReplaced() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = folder.file("a.key")
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: folder.file("elsewhere"))
        #expect(throws: SecretFileError.exists(path: path)) { try SecretFile.write("secret", to: path) }
        #expect(!FileManager.default.fileExists(atPath: folder.file("elsewhere")))
        #expect(try folder.names() == ["a.key"])
    }

    @Test func aFailedWriteNamesThePathAndLeavesNothing() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = folder.file("missing/a.key")
        let error = try #require(throws: SecretFileError.self) { try SecretFile.write("secret", to: path) }
        guard case .cannotWrite(let reported, let reason) = error else {
            Issue.record("expected cannotWrite, got \(error)")
            return
        }
        #expect(reported == path)
        #expect(reason.contains("No such file"))
        #expect(error.description.contains(path))
        // A folder in the file's place: the rename fails, and the temporary file is removed.
        try FileManager.default.createDirectory(atPath: folder.file("b.key"), withIntermediateDirectories: false)
        #expect(throws: SecretFileError.self) {
            try SecretFile.write("secret", to: folder.file("b.key"), replacing: true)
        }
        #expect(try folder.names() == ["b.key"])
    }

    @Test func largeContentsArriveWhole() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let bytes = (0..<(9 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        try SecretFile.write(bytes, to: folder.file("big"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.file("big"))) == Data(bytes))
    }

    @Test func aPublicFileWrittenBesideASecretKeepsItsMode() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        try SecretFile.write(Array("certificate".utf8), to: folder.file("a.pem"), mode: 0o644, replacing: false)
        // The umask, read without changing it (umask(2) would, for every thread of the tests).
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Umask:") })
        let mask = try #require(UInt32(line.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8))
        #expect(try SecretFile.mode(of: folder.file("a.pem")) == 0o644 & ~mask)
    }

    @Test func anEmptySecretIsCreatedOnceWithMode0600() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = folder.file("store.sqlite")
        #expect(try SecretFile.createEmptyIfAbsent(at: path))
        #expect(try SecretFile.mode(of: path) == 0o600)
        try Data("kept".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try !SecretFile.createEmptyIfAbsent(at: path))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "kept")
    }

    @Test(arguments: [(0o600, true), (0o400, true), (0o700, true), (0o640, false), (0o604, false), (0o620, false)])
    func aKeyThatOthersMayReadIsRefusedWithTheFix(mode: Int, accepted: Bool) throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = folder.file("a.key")
        try SecretFile.write("secret", to: path)
        #expect(chmod(path, mode_t(mode)) == 0)
        if accepted {
            try SecretFile.checkPrivate(path)
            return
        }
        let error = try #require(throws: SecretFileError.self) { try SecretFile.checkPrivate(path) }
        #expect(error == .insecurePermissions(path: path, mode: UInt32(mode)))
        #expect(
            error.description.contains("'\(path)' is readable by group or others (mode 0\(String(mode, radix: 8)))"))
        #expect(error.description.contains("run: chmod 600 \(path)"))
        #expect(error.description.contains("--allow-insecure-key-permissions"))
        try SecretFile.checkPrivate(path, allowInsecure: true)
    }

    @Test func aMissingKeyCannotBeInspected() {
        #expect(throws: SecretFileError.self) { try SecretFile.checkPrivate("/nonexistent-\(UUID())/a.key") }
    }

    @Test(arguments: [
        ("a.key", ".", "a.key"), ("/a.key", "/", "a.key"), ("dir/a.key", "dir", "a.key"), ("/x/y/", "/x/y", ""),
    ])
    func pathsSplitIntoFolderAndName(path: String, folder: String, name: String) {
        let parts = SecretFile.split(path)
        #expect(parts.folder == folder)
        #expect(parts.name == name)
    }

    @Test func octalModesHaveFourDigits() {
        #expect(SecretFileError.octal(0o644) == "0644")
        #expect(SecretFileError.octal(0o4755) == "4755")
        #expect(SecretFileError.octal(0o100600) == "0600")
    }
}
