import Crypto
import Foundation
import SwiftASN1
import X509

/// The federation's certificate authority: the root of trust that issues the coordinator's and the nodes'
/// certificates for mutual TLS.
///
/// A new CA has an ECDSA P-256 key and a self-signed certificate (BasicConstraints CA, KeyUsage keyCertSign and
/// cRLSign, subject CN = its name). An existing PKI's CA can be loaded instead with
/// ``init(certificatePEM:privateKeyPEM:)``.
public struct FederationCA: Sendable {
    /// The CA's certificate.
    public let certificate: Certificate
    /// The CA's certificate, PEM-encoded: the trust root to give every participant.
    public let certificatePEM: String
    /// The CA's private key, PEM-encoded. Whoever holds it can admit anyone: keep it offline.
    public let privateKeyPEM: String
    /// The CA's signing key.
    let privateKey: Certificate.PrivateKey

    /// The CA's name: its subject Common Name, or the whole subject if it has none.
    public var name: String {
        certificate.subject.commonName ?? certificate.subject.description
    }

    /// Creates a new federation CA with a fresh ECDSA P-256 key and a self-signed certificate.
    ///
    /// - Parameters:
    ///   - name: The CA's subject Common Name, e.g. "Concord federation CA".
    ///   - validFor: How long the CA certificate is valid from now (default 365 days).
    /// - Returns: The CA, with its key.
    /// - Throws: ``IdentityError/invalidValidity(_:)`` for a non-positive duration or an empty name.
    public static func create(name: String, validFor: Duration = .seconds(365 * 86_400)) throws -> FederationCA {
        let now = Date()
        return try create(
            name: name, notValidBefore: now.addingTimeInterval(-clockSkewAllowance),
            notValidAfter: now.addingTimeInterval(try positiveSeconds(validFor)))
    }

    /// Creates a CA valid over an explicit period (tests use a period in the past).
    static func create(name: String, notValidBefore: Date, notValidAfter: Date) throws -> FederationCA {
        guard !name.isEmpty else { throw IdentityError.invalidValidity("the CA needs a non-empty name") }
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let subject = try DistinguishedName { CommonName(name) }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: key.publicKey)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: notValidBefore, notValidAfter: notValidAfter, issuer: subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions, issuerPrivateKey: key)
        return try FederationCA(certificate: certificate, privateKey: key)
    }

    /// Loads an existing CA from its certificate and private key, checking that they belong together.
    ///
    /// - Parameters:
    ///   - certificatePEM: The CA certificate (PEM).
    ///   - privateKeyPEM: The CA's private key (PEM: PKCS#8, SEC1 or RSA).
    /// - Throws: ``IdentityError/malformedCertificate(reason:)`` or ``IdentityError/malformedPrivateKey(reason:)``
    ///   for unreadable input, ``IdentityError/notACertificateAuthority(subject:)`` for a certificate that may not
    ///   issue certificates, ``IdentityError/keyDoesNotMatchCertificate(subject:)`` for a key of another certificate.
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        let certificate = try FederationIdentity.parseCertificate(pem: certificatePEM)
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: privateKeyPEM)
        } catch {
            throw IdentityError.malformedPrivateKey(reason: "\(error)")
        }
        try self.init(certificate: certificate, privateKey: key)
    }

    /// A CA from parsed values, checked as ``init(certificatePEM:privateKeyPEM:)`` checks them.
    init(certificate: Certificate, privateKey: Certificate.PrivateKey) throws {
        let subject = certificate.subject.description
        guard certificate.isCertificateAuthority else { throw IdentityError.notACertificateAuthority(subject: subject) }
        guard privateKey.publicKey == certificate.publicKey else {
            throw IdentityError.keyDoesNotMatchCertificate(subject: subject)
        }
        self.certificate = certificate
        self.privateKey = privateKey
        self.certificatePEM = try certificate.serializeAsPEM().pemString
        self.privateKeyPEM = try privateKey.serializeAsPEM().pemString
    }

    /// How far back a new certificate's validity starts, so that a peer whose clock is a little behind accepts it.
    static let clockSkewAllowance: TimeInterval = 300

    static func positiveSeconds(_ duration: Duration) throws -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        let interval = Double(seconds) + Double(attoseconds) * 1e-18
        guard interval > 0 else { throw IdentityError.invalidValidity("the duration \(duration) is not positive") }
        return interval
    }
}

extension Certificate {
    /// Whether this certificate may issue certificates: BasicConstraints CA, and keyCertSign if it has a KeyUsage.
    var isCertificateAuthority: Bool {
        guard case .some(.isCertificateAuthority) = try? extensions.basicConstraints else { return false }
        if let usage = try? extensions.keyUsage, !usage.keyCertSign { return false }
        return true
    }
}

extension DistinguishedName {
    /// The last (most specific) Common Name, as text.
    var commonName: String? {
        for rdn in reversed() {
            for attribute in rdn.reversed() where attribute.type == .RDNAttributeType.commonName {
                return String(attribute.value)
            }
        }
        return nil
    }
}
