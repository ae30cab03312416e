import Foundation
import Testing

@testable import ConcordWire

/// TLS private keys and the CA key: refused when their group or others may read them, unless allowed.
@Suite struct KeyPermissionTests {
    static func pki(_ folder: TemporaryFolder) throws -> PKIDirectory {
        let directory = PKIDirectory(path: folder.file("pki"))
        let ca = try FederationCA.create(name: "ca")
        try directory.write(
            ca: ca, coordinator: ca.issueCoordinator(hosts: ["localhost"]), nodes: [ca.issueNode(name: "a")])
        return directory
    }

    @Test func theFilesWrittenAreWholeAndNoTemporaryFileIsLeft() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let directory = try Self.pki(folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["ca-key.pem", "ca.pem", "coordinator-key.pem", "coordinator.pem", "nodes"])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.nodesPath).sorted() == ["a-key.pem", "a.pem"])
    }

    @Test func aGroupReadableCAKeyIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let directory = try Self.pki(folder)
        #expect(chmod(directory.caPrivateKeyPath, 0o640) == 0)
        let error = try #require(throws: IdentityError.self) { try directory.loadCA() }
        #expect(error == .insecureKeyPermissions(path: directory.caPrivateKeyPath, mode: 0o640))
        #expect(error.description.contains("run: chmod 600 \(directory.caPrivateKeyPath)"))
        _ = try directory.loadCA(allowInsecureKeyPermissions: true)
    }

    @Test func aWorldReadableTLSKeyIsRefusedBeforeAnyConnection() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let directory = try Self.pki(folder)
        let key = directory.nodePrivateKeyPath("a")
        func security(allowing: Bool = false) -> WireSecurity {
            .mutualTLS(
                certificate: directory.nodeCertificatePath("a"), privateKey: key,
                trustedCA: directory.caCertificatePath,
                allowInsecureKeyPermissions: allowing)
        }
        try security().checkFiles()
        #expect(chmod(key, 0o644) == 0)
        let error = try #require(throws: WireError.self) { try security().checkFiles() }
        guard case .security(let message) = error else {
            Issue.record("expected a security error, got \(error)")
            return
        }
        #expect(message.contains("'\(key)' is readable by group or others (mode 0644)"))
        #expect(message.contains("run: chmod 600 \(key)"))
        try security(allowing: true).checkFiles()
    }
}
