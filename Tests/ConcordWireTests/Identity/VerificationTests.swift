import Crypto
import Foundation
import Testing
import X509

@testable import ConcordWire

@Suite struct VerificationTests {
    @Test func anIssuedNodeVerifiesAndYieldsItsName() async throws {
        let ca = try FederationCA.create(name: "ca")
        let node = try ca.issueNode(name: "clinic-7")
        #expect(
            try await FederationIdentity.verify(certificatePEM: node.certificatePEM, trusting: ca.certificatePEM)
                == "clinic-7")
    }

    @Test func aCertificateFromAnotherCAIsRefused() async throws {
        let ca = try FederationCA.create(name: "ours")
        let stranger = try FederationCA.create(name: "theirs").issueNode(name: "intruder")
        await #expect(throws: IdentityError.untrustedIssuer(issuer: "CN=theirs", trusted: "CN=ours")) {
            try await FederationIdentity.verify(certificatePEM: stranger.certificatePEM, trusting: ca.certificatePEM)
        }
    }

    @Test func anImpostorCAWithTheSameNameIsRefused() async throws {
        let ca = try FederationCA.create(name: "federation")
        let impostor = try FederationCA.create(name: "federation").issueNode(name: "intruder")
        let error = await #expect(throws: IdentityError.self) {
            try await FederationIdentity.verify(certificatePEM: impostor.certificatePEM, trusting: ca.certificatePEM)
        }
        guard case .untrustedIssuer = error else {
            Issue.record("expected untrustedIssuer, got \(String(describing: error))")
            return
        }
    }

    @Test func anExpiredCertificateIsRefused() async throws {
        let ca = try FederationCA.create(name: "ca")
        let now = Date()
        let expired = try ca.issueNode(
            name: "late", notValidBefore: now.addingTimeInterval(-7_200), notValidAfter: now.addingTimeInterval(-3_600))
        let error = await #expect(throws: IdentityError.self) {
            try await FederationIdentity.verify(certificatePEM: expired.certificatePEM, trusting: ca.certificatePEM)
        }
        guard case .expired(let subject, _) = error else {
            Issue.record("expected expired, got \(String(describing: error))")
            return
        }
        #expect(subject == "CN=late")
        #expect(error?.description.contains("issue a new one") == true)
    }

    @Test func aCertificateIsRefusedBeforeItsValidity() async throws {
        let ca = try FederationCA.create(name: "ca")
        let node = try ca.issueNode(name: "early")
        let error = await #expect(throws: IdentityError.self) {
            try await FederationIdentity.verify(
                certificatePEM: node.certificatePEM, trusting: ca.certificatePEM, at: Date().addingTimeInterval(-86_400)
            )
        }
        guard case .notYetValid = error else {
            Issue.record("expected notYetValid, got \(String(describing: error))")
            return
        }
    }

    /// A node holds a key that its CA vouched for; it must not be able to vouch for others in turn.
    @Test func aNodeCertificateCannotIssueCertificates() async throws {
        let ca = try FederationCA.create(name: "ca")
        let node = try ca.issueNode(name: "rogue")
        let nodeCertificate = try Certificate(pemEncoded: node.certificatePEM)
        let nodeKey = try Certificate.PrivateKey(pemEncoded: node.privateKeyPEM)
        let forgedKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let forged = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: forgedKey.publicKey,
            notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(3_600),
            issuer: nodeCertificate.subject, subject: try DistinguishedName { CommonName("forged") },
            extensions: try Certificate.Extensions { try ExtendedKeyUsage([.clientAuth]) }, issuerPrivateKey: nodeKey)
        let chainPEM = try forged.serializeAsPEM().pemString + "\n" + node.certificatePEM
        let error = await #expect(throws: IdentityError.self) {
            try await FederationIdentity.verify(certificatePEM: chainPEM, trusting: ca.certificatePEM)
        }
        guard case .chainRejected(let reasons) = error else {
            Issue.record("expected chainRejected, got \(String(describing: error))")
            return
        }
        #expect(!reasons.isEmpty)
        // Without the node's certificate as intermediate, nothing even leads to the CA.
        await #expect(throws: IdentityError.untrustedIssuer(issuer: "CN=rogue", trusted: "CN=ca")) {
            try await FederationIdentity.verify(forged, trusting: ca.certificate)
        }
    }

    @Test func theCACertificateIsNotAParticipant() async throws {
        let ca = try FederationCA.create(name: "ca")
        await #expect(throws: IdentityError.certificateIsACertificateAuthority(subject: "CN=ca")) {
            try await FederationIdentity.verify(certificatePEM: ca.certificatePEM, trusting: ca.certificatePEM)
        }
    }

    @Test func aServerOnlyCertificateIsNotAClient() async throws {
        let ca = try FederationCA.create(name: "ca")
        let server = try ca.issue(
            name: "web", alternativeNames: [.dnsName("web")], usages: [.serverAuth],
            notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(3_600))
        await #expect(throws: IdentityError.notAClientCertificate(subject: "CN=web")) {
            try await FederationIdentity.verify(certificatePEM: server.certificatePEM, trusting: ca.certificatePEM)
        }
    }

    @Test func aCertificateWithoutAValidNameIsRefused() async throws {
        let ca = try FederationCA.create(name: "ca")
        let unnamed = try ca.issue(
            name: "not a name", alternativeNames: [], usages: [.clientAuth],
            notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(3_600))
        #expect(FederationIdentity.participantName(of: try Certificate(pemEncoded: unnamed.certificatePEM)) == nil)
        await #expect(throws: IdentityError.missingParticipantName(subject: "CN=not a name")) {
            try await FederationIdentity.verify(certificatePEM: unnamed.certificatePEM, trusting: ca.certificatePEM)
        }
    }

    @Test func aNonCATrustRootIsRefused() async throws {
        let ca = try FederationCA.create(name: "ca")
        let node = try ca.issueNode(name: "n")
        await #expect(throws: IdentityError.notACertificateAuthority(subject: "CN=n")) {
            try await FederationIdentity.verify(certificatePEM: node.certificatePEM, trusting: node.certificatePEM)
        }
        await #expect(throws: IdentityError.self) {
            try await FederationIdentity.verify(certificatePEM: "", trusting: ca.certificatePEM)
        }
    }
}
