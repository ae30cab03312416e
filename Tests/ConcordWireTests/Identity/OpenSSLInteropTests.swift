import Foundation
import Testing

@testable import ConcordWire

/// The certificates must work outside Concord: OpenSSL (which the TLS stacks around us resemble) accepts them, and a
/// CA that OpenSSL made can be taken as the federation CA. Skipped when `openssl` is not installed.
@Suite(.enabled(if: OpenSSL.isAvailable, "needs the openssl command"))
struct OpenSSLInteropTests {
    @Test func opensslVerifiesIssuedCertificatesForTheirTLSRoles() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let directory = PKIDirectory(path: folder.path)
        let ca = try FederationCA.create(name: "Interop CA")
        try directory.write(
            ca: ca, coordinator: ca.issueCoordinator(hosts: ["localhost", "127.0.0.1"]),
            nodes: [ca.issueNode(name: "hospital-a")])
        let node = directory.nodeCertificatePath("hospital-a")

        let verified = try OpenSSL.run(["verify", "-CAfile", directory.caCertificatePath, node])
        #expect(verified.status == 0 && verified.output.contains("OK"), "\(verified.output)")
        let asClient = try OpenSSL.run([
            "verify", "-purpose", "sslclient", "-CAfile", directory.caCertificatePath, node,
        ])
        #expect(asClient.status == 0, "\(asClient.output)")
        let asServer = try OpenSSL.run([
            "verify", "-purpose", "sslserver", "-CAfile", directory.caCertificatePath,
            directory.coordinatorCertificatePath,
        ])
        #expect(asServer.status == 0, "\(asServer.output)")

        let text = try OpenSSL.run(["x509", "-noout", "-text", "-in", node])
        #expect(text.output.contains("DNS:hospital-a"), "\(text.output)")
        #expect(text.output.contains("CN = hospital-a") || text.output.contains("CN=hospital-a"), "\(text.output)")
        let coordinator = try OpenSSL.run(["x509", "-noout", "-text", "-in", directory.coordinatorCertificatePath])
        #expect(coordinator.output.contains("DNS:localhost") && coordinator.output.contains("IP Address:127.0.0.1"))

        // The key file is a key OpenSSL reads, and it is the certificate's.
        let keyPublic = try OpenSSL.run(["pkey", "-in", directory.nodePrivateKeyPath("hospital-a"), "-pubout"])
        let certificatePublic = try OpenSSL.run(["x509", "-in", node, "-noout", "-pubkey"])
        #expect(keyPublic.status == 0 && keyPublic.output == certificatePublic.output)
    }

    @Test func opensslRefusesACertificateFromAnotherCA() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ca = try folder.write(FederationCA.create(name: "ours").certificatePEM, to: "ca.pem")
        let stranger = try folder.write(
            FederationCA.create(name: "theirs").issueNode(name: "x").certificatePEM, to: "x.pem")
        #expect(try OpenSSL.run(["verify", "-CAfile", ca, stranger]).status != 0)
    }

    @Test func aCAMadeByOpenSSLIsAccepted() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let key = folder.file("ca-key.pem")
        let certificate = folder.file("ca.pem")
        let made = try OpenSSL.run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-out", certificate, "-days", "2", "-subj", "/CN=OpenSSL CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        try #require(made.status == 0, "\(made.output)")
        let ca = try FederationCA(
            certificatePEM: PKIDirectory.readText(certificate), privateKeyPEM: PKIDirectory.readText(key))
        #expect(ca.name == "OpenSSL CA")
        let node = try folder.write(ca.issueNode(name: "n1").certificatePEM, to: "n1.pem")
        #expect(try OpenSSL.run(["verify", "-CAfile", certificate, node]).status == 0)
        let name = try await FederationIdentity.verify(
            certificatePEM: PKIDirectory.readText(node), trusting: PKIDirectory.readText(certificate))
        #expect(name == "n1")
    }
}
