import Crypto
import Foundation
import Testing
import X509

@testable import ConcordWire

@Suite struct FederationCATests {
    @Test func createdCAIsASelfSignedP256Authority() throws {
        let ca = try FederationCA.create(name: "Test federation CA", validFor: .seconds(86_400))
        let certificate = ca.certificate
        #expect(ca.name == "Test federation CA")
        #expect(certificate.subject == certificate.issuer)
        #expect(certificate.publicKey.isValidSignature(certificate.signature, for: certificate))
        #expect(try certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        let usage = try #require(try certificate.extensions.keyUsage)
        #expect(usage.keyCertSign && usage.cRLSign && !usage.digitalSignature)
        #expect(P256.Signing.PublicKey(certificate.publicKey) != nil)
        #expect(certificate.notValidAfter.timeIntervalSinceNow > 86_000)
        #expect(ca.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    @Test func pemRoundTripKeepsTheCAAndItsKey() async throws {
        let ca = try FederationCA.create(name: "round trip")
        let loaded = try FederationCA(certificatePEM: ca.certificatePEM, privateKeyPEM: ca.privateKeyPEM)
        #expect(loaded.certificate == ca.certificate)
        #expect(loaded.certificatePEM == ca.certificatePEM)
        let node = try loaded.issueNode(name: "hospital-a")
        let name = try await FederationIdentity.verify(certificatePEM: node.certificatePEM, trusting: ca.certificatePEM)
        #expect(name == "hospital-a")
    }

    @Test func aKeyOfAnotherCertificateIsRefused() throws {
        let ca = try FederationCA.create(name: "one")
        let other = try FederationCA.create(name: "two")
        #expect(throws: IdentityError.keyDoesNotMatchCertificate(subject: "CN=one")) {
            try FederationCA(certificatePEM: ca.certificatePEM, privateKeyPEM: other.privateKeyPEM)
        }
    }

    @Test func aNodeCertificateCannotActAsTheCA() throws {
        let node = try FederationCA.create(name: "ca").issueNode(name: "node-1")
        #expect(throws: IdentityError.notACertificateAuthority(subject: "CN=node-1")) {
            try FederationCA(certificatePEM: node.certificatePEM, privateKeyPEM: node.privateKeyPEM)
        }
    }

    @Test func unreadableInputIsRefusedWithAReason() throws {
        let ca = try FederationCA.create(name: "ca")
        let badCertificate = #expect(throws: IdentityError.self) {
            try FederationCA(certificatePEM: "not a certificate", privateKeyPEM: ca.privateKeyPEM)
        }
        guard case .malformedCertificate = badCertificate else {
            Issue.record("expected malformedCertificate, got \(String(describing: badCertificate))")
            return
        }
        let badKey = #expect(throws: IdentityError.self) {
            try FederationCA(certificatePEM: ca.certificatePEM, privateKeyPEM: ca.certificatePEM)
        }
        guard case .malformedPrivateKey = badKey else {
            Issue.record("expected malformedPrivateKey, got \(String(describing: badKey))")
            return
        }
    }

    @Test func nonPositiveValidityIsRefused() {
        #expect(throws: IdentityError.self) { try FederationCA.create(name: "ca", validFor: .zero) }
        #expect(throws: IdentityError.self) { try FederationCA.create(name: "", validFor: .seconds(60)) }
    }
}
