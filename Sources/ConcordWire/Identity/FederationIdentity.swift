// Federation identity: a small PKI for Concord's mutual-TLS transport.
//
// A federation has one certificate authority (`FederationCA`). It issues the coordinator a server-and-client
// certificate and each node a client certificate whose subject Common Name (and DNS SubjectAlternativeName) is the
// node's participant name. The coordinator admits a node when its certificate chains to the federation CA and its
// name is listed in the federation config; `FederationIdentity.verify` applies the first half of that rule, the
// same way the TLS layer does, and names the participant. `PKIDirectory` is the layout on disk.

import Foundation
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// Reading and checking participants' certificates against the federation CA.
public enum FederationIdentity {
    /// The participant name a certificate carries: its subject Common Name.
    ///
    /// - Parameter certificate: A node's or the coordinator's certificate.
    /// - Returns: The name, or nil when the subject has no Common Name or it is not a valid participant name
    ///   (1–64 letters, digits, '-', '_' or '.', starting with a letter or digit).
    public static func participantName(of certificate: Certificate) -> String? {
        guard let name = certificate.subject.commonName, ParticipantName.isValid(name) else { return nil }
        return name
    }

    /// Whether `name` is a valid participant name: 1–64 letters, digits, '-', '_' or '.', starting with a letter
    /// or digit.
    public static func isValidParticipantName(_ name: String) -> Bool {
        ParticipantName.isValid(name)
    }

    /// Checks a participant's certificate as the coordinator would admit it, and returns the participant's name.
    ///
    /// The chain must lead to the CA under RFC 5280 rules (signatures, validity at `time`, CA constraints); the
    /// certificate must not be a CA's, must allow TLS client authentication (extended key usage clientAuth) and must
    /// carry a valid participant name. Whether that name is listed in the federation config is the caller's check.
    ///
    /// - Parameters:
    ///   - certificatePEM: The participant's certificate (PEM); any further certificates in the text are offered as
    ///     intermediates.
    ///   - caPEM: The federation CA's certificate (PEM), the only trust root.
    ///   - time: When the certificates must be valid; nil (the default) means now.
    /// - Returns: The participant name (the subject Common Name).
    /// - Throws: ``IdentityError`` saying why the certificate would be refused.
    public static func verify(
        certificatePEM: String, trusting caPEM: String, at time: Date? = nil
    ) async throws -> String {
        let chain = try parseCertificates(pem: certificatePEM)
        guard let leaf = chain.first else {
            throw IdentityError.malformedCertificate(reason: "the text holds no certificate")
        }
        let ca = try parseCertificate(pem: caPEM)
        return try await verify(leaf, intermediates: Array(chain.dropFirst()), trusting: ca, at: time)
    }

    /// Checks a parsed participant certificate; see ``verify(certificatePEM:trusting:at:)``.
    ///
    /// - Parameters:
    ///   - certificate: The participant's certificate.
    ///   - intermediates: Certificates that may complete the chain to the CA.
    ///   - ca: The federation CA's certificate, the only trust root.
    ///   - time: When the certificates must be valid; nil (the default) means now.
    /// - Returns: The participant name (the subject Common Name).
    /// - Throws: ``IdentityError`` saying why the certificate would be refused.
    public static func verify(
        _ certificate: Certificate, intermediates: [Certificate] = [], trusting ca: Certificate,
        at time: Date? = nil
    ) async throws -> String {
        let subject = certificate.subject.description
        guard ca.isCertificateAuthority else {
            throw IdentityError.notACertificateAuthority(subject: ca.subject.description)
        }
        var verifier = Verifier(rootCertificates: CertificateStore([ca])) {
            if let time { RFC5280Policy(fixedExpiryValidationTime: time) } else { RFC5280Policy() }
        }
        let result = await verifier.validate(leaf: certificate, intermediates: CertificateStore(intermediates))
        if case .couldNotValidate(let failures) = result {
            throw diagnose(certificate, ca: ca, at: time ?? Date(), failures: failures)
        }
        if case .some(.isCertificateAuthority) = try? certificate.extensions.basicConstraints {
            throw IdentityError.certificateIsACertificateAuthority(subject: subject)
        }
        guard let usage = try? certificate.extensions.extendedKeyUsage, usage.contains(.clientAuth) else {
            throw IdentityError.notAClientCertificate(subject: subject)
        }
        guard let name = participantName(of: certificate) else {
            throw IdentityError.missingParticipantName(subject: subject)
        }
        return name
    }

    /// The most useful reason a chain was refused: a foreign issuer when no chain reached the CA, else expiry, else
    /// the policy's own reasons.
    private static func diagnose(
        _ leaf: Certificate, ca: Certificate, at time: Date, failures: [CertificateValidationResult.PolicyFailure]
    ) -> IdentityError {
        if failures.isEmpty {
            return .untrustedIssuer(issuer: leaf.issuer.description, trusted: ca.subject.description)
        }
        for certificate in failures.flatMap(\.chain) {
            if time > certificate.notValidAfter {
                return .expired(subject: certificate.subject.description, notValidAfter: certificate.notValidAfter)
            }
            if time < certificate.notValidBefore {
                return .notYetValid(
                    subject: certificate.subject.description, notValidBefore: certificate.notValidBefore)
            }
        }
        var reasons: [String] = []
        for failure in failures where !reasons.contains(failure.policyFailureReason.description) {
            reasons.append(failure.policyFailureReason.description)
        }
        return .chainRejected(reasons: reasons)
    }

    /// The federation CA's certificate, read from `path` for a TLS peer's checks.
    ///
    /// - Throws: ``WireError/security(_:)`` when the file cannot be read, holds no single certificate, or holds one
    ///   that may not issue certificates.
    static func loadCA(_ path: String) throws(WireError) -> Certificate {
        let ca: Certificate
        do {
            ca = try parseCertificate(pem: try PKIDirectory.readText(path))
        } catch {
            throw .security("cannot use '\(path)' as the federation CA: \(error)")
        }
        guard ca.isCertificateAuthority else {
            throw .security(
                "cannot use '\(path)' as the federation CA: "
                    + "\(IdentityError.notACertificateAuthority(subject: ca.subject.description))")
        }
        return ca
    }

    /// The one certificate in a PEM text.
    static func parseCertificate(pem: String) throws -> Certificate {
        let certificates = try parseCertificates(pem: pem)
        guard certificates.count == 1, let certificate = certificates.first else {
            throw IdentityError.malformedCertificate(
                reason: "expected one certificate, found \(certificates.count)")
        }
        return certificate
    }

    /// Every certificate in a PEM text, in order.
    static func parseCertificates(pem: String) throws -> [Certificate] {
        do {
            return try PEMDocument.parseMultiple(pemString: pem).map { try Certificate(pemDocument: $0) }
        } catch {
            throw IdentityError.malformedCertificate(reason: "\(error)")
        }
    }
}
