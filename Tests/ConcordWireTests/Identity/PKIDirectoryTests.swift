import Foundation
import Testing

@testable import ConcordWire

@Suite struct PKIDirectoryTests {
    @Test func writesTheLayoutWithPrivateKeysReadableOnlyByTheOwner() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let directory = PKIDirectory(path: folder.file("pki"))
        let ca = try FederationCA.create(name: "ca")
        let written = try directory.write(
            ca: ca, coordinator: ca.issueCoordinator(hosts: ["localhost"]),
            nodes: [ca.issueNode(name: "a"), ca.issueNode(name: "b")])
        let expected =
            ["ca.pem", "ca-key.pem", "coordinator.pem", "coordinator-key.pem"]
            .map { folder.file("pki/\($0)") }
            + ["a", "b"].flatMap { [folder.file("pki/nodes/\($0).pem"), folder.file("pki/nodes/\($0)-key.pem")] }
        #expect(written == expected)
        for path in written {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == (path.hasSuffix("-key.pem") ? 0o600 : 0o644), "\(path)")
        }
        let loaded = try directory.loadCA()
        #expect(loaded.certificate == ca.certificate)
        let nodePEM = try PKIDirectory.readText(directory.nodeCertificatePath("b"))
        #expect(try await FederationIdentity.verify(certificatePEM: nodePEM, trusting: loaded.certificatePEM) == "b")
    }

    @Test func refusesToOverwriteAndWritesNothingThen() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let directory = PKIDirectory(path: folder.path)
        let ca = try FederationCA.create(name: "ca")
        try directory.write(ca: ca, coordinator: ca.issueCoordinator(hosts: []), nodes: [])
        let before = try PKIDirectory.readText(directory.caPrivateKeyPath)

        let other = try FederationCA.create(name: "other")
        #expect(throws: IdentityError.fileExists(path: directory.caCertificatePath)) {
            try directory.write(ca: other, coordinator: other.issueCoordinator(hosts: []), nodes: [])
        }
        #expect(try PKIDirectory.readText(directory.caPrivateKeyPath) == before)

        try directory.write(node: ca.issueNode(name: "a"))
        #expect(throws: IdentityError.fileExists(path: directory.nodeCertificatePath("a"))) {
            try directory.write(node: ca.issueNode(name: "a"))
        }
        // A clash on the key alone also stops the certificate from being written.
        try FileManager.default.removeItem(atPath: directory.nodeCertificatePath("a"))
        #expect(throws: IdentityError.fileExists(path: directory.nodePrivateKeyPath("a"))) {
            try directory.write(node: ca.issueNode(name: "a"))
        }
        #expect(!PKIDirectory.exists(directory.nodeCertificatePath("a")))
        #expect(IdentityError.fileExists(path: "x/ca.pem").description.contains("'x/ca.pem' exists"))
    }

    @Test func loadingFromAnEmptyDirectoryNamesTheMissingFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let directory = PKIDirectory(path: folder.path)
        let error = #expect(throws: IdentityError.self) { try directory.loadCA() }
        guard case .fileUnreadable(let path, _) = error else {
            Issue.record("expected fileUnreadable, got \(String(describing: error))")
            return
        }
        #expect(path == directory.caCertificatePath)
    }
}
