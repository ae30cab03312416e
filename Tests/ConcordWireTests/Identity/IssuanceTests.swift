import Foundation
import SwiftASN1
import Testing
import X509

@testable import ConcordWire

@Suite struct IssuanceTests {
    @Test func aNodeCertificateNamesTheNodeAndServesOnlyAsAClient() throws {
        let ca = try FederationCA.create(name: "ca")
        let node = try ca.issueNode(name: "hospital-a")
        #expect(node.name == "hospital-a")
        let certificate = try Certificate(pemEncoded: node.certificatePEM)
        #expect(FederationIdentity.participantName(of: certificate) == "hospital-a")
        #expect(certificate.issuer == ca.certificate.subject)
        #expect(try certificate.extensions.subjectAlternativeNames == SubjectAlternativeNames([.dnsName("hospital-a")]))
        #expect(try certificate.extensions.extendedKeyUsage == ExtendedKeyUsage([.clientAuth]))
        #expect(try certificate.extensions.basicConstraints == .notCertificateAuthority)
        #expect(try certificate.extensions.keyUsage?.keyCertSign == false)
        let key = try Certificate.PrivateKey(pemEncoded: node.privateKeyPEM)
        #expect(key.publicKey == certificate.publicKey)
    }

    @Test func theCoordinatorCertificateCoversItsHostsAndBothTLSRoles() async throws {
        let ca = try FederationCA.create(name: "ca")
        let coordinator = try ca.issueCoordinator(hosts: ["localhost", "127.0.0.1", "::1", "Coord.Example.org"])
        let certificate = try Certificate(pemEncoded: coordinator.certificatePEM)
        let names = try #require(try certificate.extensions.subjectAlternativeNames)
        #expect(
            Array(names) == [
                .dnsName("coordinator"), .dnsName("localhost"),
                .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                .ipAddress(ASN1OctetString(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
                .dnsName("coord.example.org"),
            ])
        #expect(try certificate.extensions.extendedKeyUsage == ExtendedKeyUsage([.serverAuth, .clientAuth]))
        let name = try await FederationIdentity.verify(
            certificatePEM: coordinator.certificatePEM, trusting: ca.certificatePEM)
        #expect(name == "coordinator")
    }

    @Test(
        "valid participant names",
        arguments: ["a", "hospital-1", "node_2.eu", "A9", String(repeating: "x", count: 64)])
    func validNames(name: String) throws {
        #expect(FederationIdentity.isValidParticipantName(name))
        #expect(try FederationCA.create(name: "ca").issueNode(name: name).name == name)
    }

    @Test(
        "invalid participant names are refused",
        arguments: [
            "", " ", "a b", "../x", "a/b", ".hidden", "-x", "é", "name\n", "x@y", String(repeating: "x", count: 65),
        ])
    func invalidNames(name: String) throws {
        #expect(!FederationIdentity.isValidParticipantName(name))
        let ca = try FederationCA.create(name: "ca")
        #expect(throws: IdentityError.invalidName(name)) { try ca.issueNode(name: name) }
        #expect(throws: IdentityError.invalidName(name)) { try ca.issueCoordinator(name: name, hosts: []) }
    }

    @Test("invalid hosts are refused", arguments: ["", "a b", "-bad", "x..y", "host/path", "1.2.3.4:80"])
    func invalidHosts(host: String) throws {
        let ca = try FederationCA.create(name: "ca")
        #expect(throws: IdentityError.invalidHost(host)) { try ca.issueCoordinator(hosts: [host]) }
    }

    @Test func aCertificateNeverOutlivesItsCA() throws {
        let ca = try FederationCA.create(name: "ca", validFor: .seconds(3_600))
        let long = try Certificate(pemEncoded: ca.issueNode(name: "n", validFor: .seconds(86_400)).certificatePEM)
        #expect(long.notValidAfter == ca.certificate.notValidAfter)
        let short = try Certificate(pemEncoded: ca.issueNode(name: "n", validFor: .seconds(60)).certificatePEM)
        #expect(short.notValidAfter < ca.certificate.notValidAfter)
        #expect(short.notValidBefore <= Date())
    }

    @Test func anExpiredCAIssuesNothing() throws {
        let now = Date()
        let ca = try FederationCA.create(
            name: "old", notValidBefore: now.addingTimeInterval(-7_200), notValidAfter: now.addingTimeInterval(-3_600))
        let error = #expect(throws: IdentityError.self) { try ca.issueNode(name: "n") }
        guard case .invalidValidity = error else {
            Issue.record("expected invalidValidity, got \(String(describing: error))")
            return
        }
    }
}
