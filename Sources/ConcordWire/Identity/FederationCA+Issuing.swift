import Crypto
import Foundation
import SwiftASN1
import X509

extension FederationCA {
    /// Issues the coordinator's certificate: usable as a TLS server (for the nodes) and as a TLS client.
    ///
    /// The subject Common Name is `name`; the SubjectAlternativeNames are `name` and every host (DNS names and
    /// IP addresses), so that nodes can check the address they dial.
    ///
    /// - Parameters:
    ///   - name: The coordinator's participant name (default "coordinator").
    ///   - hosts: The names and addresses nodes reach the coordinator by, e.g. `["localhost", "127.0.0.1"]`.
    ///   - validFor: How long the certificate is valid; nil (the default) or longer means until the CA expires.
    /// - Returns: The certificate and its new private key.
    /// - Throws: ``IdentityError/invalidName(_:)``, ``IdentityError/invalidHost(_:)``, or
    ///   ``IdentityError/invalidValidity(_:)`` when the CA has expired.
    public func issueCoordinator(
        name: String = "coordinator", hosts: [String], validFor: Duration? = nil
    ) throws -> IssuedIdentity {
        try ParticipantName.validate(name)
        var names: [GeneralName] = [.dnsName(name)]
        for host in hosts {
            let general = try SubjectHost.generalName(host)
            if !names.contains(general) { names.append(general) }
        }
        let (notValidBefore, notValidAfter) = try validity(validFor)
        return try issue(
            name: name, alternativeNames: names, usages: [.serverAuth, .clientAuth],
            notValidBefore: notValidBefore, notValidAfter: notValidAfter)
    }

    /// Issues a node's certificate: a TLS client certificate whose Common Name and DNS SubjectAlternativeName are
    /// the node's participant name.
    ///
    /// - Parameters:
    ///   - name: The node's participant name, as listed in the federation config: 1–64 letters, digits, '-', '_'
    ///     or '.', starting with a letter or digit.
    ///   - validFor: How long the certificate is valid; nil (the default) or longer means until the CA expires.
    /// - Returns: The certificate and its new private key.
    /// - Throws: ``IdentityError/invalidName(_:)``, or ``IdentityError/invalidValidity(_:)`` when the CA has expired.
    public func issueNode(name: String, validFor: Duration? = nil) throws -> IssuedIdentity {
        try ParticipantName.validate(name)
        let (notValidBefore, notValidAfter) = try validity(validFor)
        return try issueNode(name: name, notValidBefore: notValidBefore, notValidAfter: notValidAfter)
    }

    /// Issues a node certificate over an explicit validity period (tests issue expired ones).
    func issueNode(name: String, notValidBefore: Date, notValidAfter: Date) throws -> IssuedIdentity {
        try ParticipantName.validate(name)
        return try issue(
            name: name, alternativeNames: [.dnsName(name)], usages: [.clientAuth],
            notValidBefore: notValidBefore, notValidAfter: notValidAfter)
    }

    /// Issues an end-entity certificate with a fresh P-256 key; every public issuing method comes here.
    /// `markedAsCA` (tests only) sets BasicConstraints CA on it, which no participant's certificate may have; empty
    /// `usages` (tests only) leaves out the extended key usage extension.
    func issue(
        name: String, alternativeNames: [GeneralName], usages: [ExtendedKeyUsage.Usage],
        notValidBefore: Date, notValidAfter: Date, markedAsCA: Bool = false
    ) throws -> IssuedIdentity {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let authorityKeyIdentifier =
            (try? certificate.extensions.subjectKeyIdentifier)?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(markedAsCA ? BasicConstraints.isCertificateAuthority(maxPathLength: 0) : .notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            if !usages.isEmpty { try ExtendedKeyUsage(usages) }
            SubjectAlternativeNames(alternativeNames)
            SubjectKeyIdentifier(hash: publicKey)
            AuthorityKeyIdentifier(keyIdentifier: authorityKeyIdentifier)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: notValidBefore, notValidAfter: notValidAfter, issuer: self.certificate.subject,
            subject: try DistinguishedName { CommonName(name) }, extensions: extensions,
            issuerPrivateKey: privateKey)
        return IssuedIdentity(
            name: name, certificatePEM: try certificate.serializeAsPEM().pemString,
            privateKeyPEM: key.pemRepresentation)
    }

    /// From now (less the clock-skew allowance) for `validFor`, but never past the CA's own expiry.
    private func validity(_ validFor: Duration?) throws -> (Date, Date) {
        let now = Date()
        let caExpiry = certificate.notValidAfter
        guard caExpiry > now else {
            throw IdentityError.invalidValidity(
                "the CA '\(name)' expired on \(caExpiry.formatted(.iso8601)); create a new federation CA")
        }
        var notValidAfter = caExpiry
        if let validFor {
            notValidAfter = min(caExpiry, now.addingTimeInterval(try Self.positiveSeconds(validFor)))
        }
        return (max(now.addingTimeInterval(-Self.clockSkewAllowance), certificate.notValidBefore), notValidAfter)
    }
}
