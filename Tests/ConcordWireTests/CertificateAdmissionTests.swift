import ConcordFederation
import Foundation
import Testing
import X509

@testable import ConcordWire

/// Admission checks a node's certificate as `concord certs verify` does, including what the TLS handshake lets
/// through: a leaf marked as a CA, and one without the clientAuth extended key usage.
@Suite("Certificate admission")
struct CertificateAdmissionTests {
    enum Flaw: String, CaseIterable, CustomTestStringConvertible {
        case markedAsCA, noClientAuth
        var testDescription: String { rawValue }
    }

    /// `alpha`'s certificate from the federation's own CA, with `flaw`, written under `folder`. Without clientAuth
    /// means without any extended key usage: the TLS layer refuses a certificate whose usages exclude clientAuth
    /// (serverAuth only, say) in the handshake, but admits one that lists none.
    static func flawed(_ flaw: Flaw, ca: FederationCA, in folder: URL) throws -> PKIDirectory {
        let now = Date()
        let identity = try ca.issue(
            name: "alpha", alternativeNames: [.dnsName("alpha")],
            usages: flaw == .noClientAuth ? [] : [.clientAuth], notValidBefore: now.addingTimeInterval(-60),
            notValidAfter: now.addingTimeInterval(3600), markedAsCA: flaw == .markedAsCA)
        let directory = PKIDirectory(path: folder.appendingPathComponent("flawed-\(flaw.rawValue)").path)
        try directory.write(node: identity)
        return directory
    }

    @Test(
        "a leaf marked as a CA, or without clientAuth, is refused with certs verify's reason, and recorded",
        arguments: Flaw.allCases)
    func refusesWhatCertsVerifyRefuses(flaw: Flaw) async throws {
        let folder = try WireFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pki = try WireFixtures.pki(in: folder, nodes: HostilePeerTests.names)
        let flawed = try Self.flawed(flaw, ca: try pki.loadCA(), in: folder)
        let expected = try await Self.certsVerifyRefusal(
            certificate: flawed.nodeCertificatePath("alpha"), ca: pki.caCertificatePath)
        #expect(expected.contains(flaw == .markedAsCA ? "is a CA certificate" : "lacks clientAuth"), "\(expected)")

        let server = try await RunningServer(
            names: HostilePeerTests.names, model: "logreg",
            security: .mutualTLS(
                certificate: pki.coordinatorCertificatePath, privateKey: pki.coordinatorPrivateKeyPath,
                trustedCA: pki.caCertificatePath))
        let node = Node(
            settings: NodeSettings(
                host: "127.0.0.1", port: server.port, name: "alpha",
                security: .mutualTLS(
                    certificate: flawed.nodeCertificatePath("alpha"), privateKey: flawed.nodePrivateKeyPath("alpha"),
                    trustedCA: pki.caCertificatePath),
                data: WireFixtures.dataset(count: 10, seed: 1)),
            log: { _ in })
        await #expect(throws: WireError.rejected(expected)) { _ = try await node.run() }
        #expect(server.server.registry.connectedCount == 0)
        let refusals = server.events.all.compactMap { event -> String? in
            if case .refused(let name, _, let reason) = event, name == "alpha" { reason } else { nil }
        }
        #expect(refusals == [expected])
        await server.stop()
    }

    /// What `concord certs verify` says of the certificate: the reason it refuses it.
    static func certsVerifyRefusal(certificate: String, ca: String) async throws -> String {
        do {
            let name = try await FederationIdentity.verify(
                certificatePEM: try PKIDirectory.readText(certificate), trusting: try PKIDirectory.readText(ca))
            Issue.record("certs verify admits the flawed certificate as '\(name)'")
            return ""
        } catch let error as IdentityError {
            return "\(error)"
        }
    }
}
