import ConcordSystem
import Foundation

/// Why a federation identity (a CA, a certificate, a key or a PKI directory) was refused.
///
/// Each case's ``description`` says what is wrong and what to do about it.
public enum IdentityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A participant name is not 1–64 characters of letters, digits, '-', '_' and '.' starting with a letter or digit.
    case invalidName(String)
    /// A coordinator host is neither an IP address nor a DNS name.
    case invalidHost(String)
    /// A validity period is zero or negative.
    case invalidValidity(String)
    /// A PEM text does not hold a certificate that can be parsed.
    case malformedCertificate(reason: String)
    /// A PEM text does not hold a private key that can be parsed.
    case malformedPrivateKey(reason: String)
    /// A certificate offered as the federation CA may not issue certificates.
    case notACertificateAuthority(subject: String)
    /// The private key offered with a CA certificate is not the certificate's key.
    case keyDoesNotMatchCertificate(subject: String)
    /// A certificate does not chain to the trusted federation CA.
    case untrustedIssuer(issuer: String, trusted: String)
    /// A certificate in the chain has expired.
    case expired(subject: String, notValidAfter: Date)
    /// A certificate in the chain is not valid yet.
    case notYetValid(subject: String, notValidBefore: Date)
    /// A chain to the CA exists but breaks the RFC 5280 rules (for example it passes through a non-CA certificate).
    case chainRejected(reasons: [String])
    /// The certificate may not authenticate a TLS client (no clientAuth extended key usage).
    case notAClientCertificate(subject: String)
    /// The certificate presented as a participant's is a CA certificate.
    case certificateIsACertificateAuthority(subject: String)
    /// The certificate's subject has no Common Name that is a valid participant name.
    case missingParticipantName(subject: String)
    /// A file that would be written exists already.
    case fileExists(path: String)
    /// A file could not be read.
    case fileUnreadable(path: String, reason: String)
    /// A file or directory could not be written.
    case fileWriteFailed(path: String, reason: String)
    /// A private key file's mode lets its group or other users read it (`mode & 0o077 != 0`).
    case insecureKeyPermissions(path: String, mode: UInt32)

    /// A sentence saying what is wrong and what to do.
    public var description: String {
        switch self {
        case .invalidName(let name):
            return "'\(name)' is not a valid participant name: use 1–64 letters, digits, '-', '_' or '.', "
                + "starting with a letter or digit"
        case .invalidHost(let host):
            return "'\(host)' is neither an IP address nor a DNS name: give hosts like localhost, 127.0.0.1, "
                + "::1 or coordinator.example.org"
        case .invalidValidity(let detail):
            return "invalid validity period: \(detail)"
        case .malformedCertificate(let reason):
            return "not a readable PEM certificate (-----BEGIN CERTIFICATE-----): \(reason)"
        case .malformedPrivateKey(let reason):
            return "not a readable PEM private key (PKCS#8, SEC1 or RSA): \(reason)"
        case .notACertificateAuthority(let subject):
            return "the certificate '\(subject)' is not a CA certificate (BasicConstraints CA and KeyUsage "
                + "keyCertSign are needed to issue certificates): give the federation CA's certificate"
        case .keyDoesNotMatchCertificate(let subject):
            return "the private key is not the key of the certificate '\(subject)': give the CA's own key file"
        case .untrustedIssuer(let issuer, let trusted) where issuer == trusted:
            return "the certificate names the federation CA '\(trusted)' as its issuer, but that CA's key did not "
                + "sign it: it comes from another CA of the same name; issue one with `concord certs issue`"
        case .untrustedIssuer(let issuer, let trusted):
            return "the certificate was issued by '\(issuer)', which does not chain to the federation CA "
                + "'\(trusted)': it comes from another CA; issue one with `concord certs issue`"
        case .expired(let subject, let notValidAfter):
            return "the certificate '\(subject)' expired on \(Self.format(notValidAfter)): issue a new one"
        case .notYetValid(let subject, let notValidBefore):
            return "the certificate '\(subject)' is not valid before \(Self.format(notValidBefore)): "
                + "check this machine's clock"
        case .chainRejected(let reasons):
            let detail = reasons.isEmpty ? "no acceptable chain" : reasons.joined(separator: "; ")
            return "the certificate chain to the federation CA is not acceptable: \(detail)"
        case .notAClientCertificate(let subject):
            return "the certificate '\(subject)' may not authenticate a TLS client (its extended key usage lacks "
                + "clientAuth): issue a node certificate with `concord certs issue`"
        case .certificateIsACertificateAuthority(let subject):
            return "the certificate '\(subject)' is a CA certificate, not a participant's: give a node's or the "
                + "coordinator's certificate"
        case .missingParticipantName(let subject):
            return "the certificate's subject '\(subject)' has no Common Name that is a valid participant name"
        case .fileExists(let path):
            return "'\(path)' exists already and is not overwritten: remove it or choose another directory"
        case .fileUnreadable(let path, let reason):
            return "cannot read '\(path)': \(reason)"
        case .fileWriteFailed(let path, let reason):
            return "cannot write '\(path)': \(reason)"
        case .insecureKeyPermissions(let path, let mode):
            return SecretFileError.insecurePermissionsAdvice(path: path, mode: mode)
        }
    }

    private static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
