import Crypto
import Foundation
import NIOCore
import NIOSSL
import SwiftASN1
import Synchronization
import X509

/// The node's check of the coordinator's certificate during the TLS handshake, in place of BoringSSL's, so that a
/// refusal can say why (another CA, expired, not a server certificate) instead of "certificate verify failed".
///
/// The rules are those of RFC 5280 (signatures, validity now, CA constraints) with the federation CA as the only
/// root, and the leaf must allow TLS server authentication (extended key usage serverAuth) and must not be a CA. The
/// host name is still checked by the TLS layer after this check.
final class CoordinatorCertificateCheck: Sendable {
    /// The federation CA this node trusts.
    let ca: Certificate
    /// The CA certificate's SHA-256 fingerprint, upper-case hex pairs joined by colons.
    let fingerprint: String
    private let lastRefusal = Mutex<String?>(nil)

    /// Reads the CA the node trusts.
    ///
    /// - Throws: ``WireError/security(_:)`` when the file cannot be read or holds no single CA certificate.
    init(caPath: String) throws(WireError) {
        let ca = try FederationIdentity.loadCA(caPath)
        self.ca = ca
        fingerprint = Self.fingerprint(of: ca)
    }

    /// What this node trusts, for messages: the CA's subject and fingerprint.
    var trusted: String { "this node trusts the CA '\(ca.subject)', SHA-256 fingerprint \(fingerprint)" }

    /// Why the last certificate checked was refused, if it was; reading it clears it.
    func takeRefusal() -> String? {
        lastRefusal.withLock { reason in
            defer { reason = nil }; return reason
        }
    }

    /// The TLS layer's verification callback: completes `promise` with the verdict on `certificates` (leaf first).
    func verify(
        _ certificates: [NIOSSLCertificate], _ promise: EventLoopPromise<NIOSSLVerificationResultWithMetadata>
    ) {
        let chain: [Certificate]
        do {
            chain = try certificates.map { try Certificate(derEncoded: $0.toDERBytes()) }
        } catch {
            refuse("the coordinator's certificate cannot be read: \(error)", promise)
            return
        }
        guard let leaf = chain.first else {
            refuse("the coordinator presented no certificate", promise)
            return
        }
        Task {
            if let reason = await self.refusal(of: leaf, intermediates: Array(chain.dropFirst())) {
                self.refuse(reason, promise)
            } else {
                promise.succeed(.certificateVerified(VerificationMetadata(nil)))
            }
        }
    }

    private func refuse(_ reason: String, _ promise: EventLoopPromise<NIOSSLVerificationResultWithMetadata>) {
        lastRefusal.withLock { $0 = reason }
        promise.succeed(.failed)
    }

    /// Why `leaf` may not be the coordinator's certificate, or nil when it may.
    func refusal(of leaf: Certificate, intermediates: [Certificate]) async -> String? {
        let time = Date()
        let subject = leaf.subject.description
        var verifier = Verifier(rootCertificates: CertificateStore([ca])) { RFC5280Policy() }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
        if case .couldNotValidate(let failures) = result {
            if failures.isEmpty {
                return "certificate signed by an unknown authority: the coordinator's certificate '\(subject)' was "
                    + "issued by '\(leaf.issuer)', which does not chain to the CA this node trusts; give the node the "
                    + "coordinator's federation CA (--ca), or give the coordinator a certificate from this CA"
            }
            for certificate in failures.flatMap(\.chain) {
                if time > certificate.notValidAfter {
                    return
                        "expired certificate: the coordinator's certificate chain includes '\(certificate.subject)', "
                        + "which expired on \(certificate.notValidAfter.formatted(.iso8601)); issue the coordinator a "
                        + "new certificate"
                }
                if time < certificate.notValidBefore {
                    return "certificate not yet valid: '\(certificate.subject)' is not valid before "
                        + "\(certificate.notValidBefore.formatted(.iso8601)); check the clocks of both machines"
                }
            }
            let reasons = failures.map(\.policyFailureReason.description)
            return "the coordinator's certificate chain is not acceptable: \(reasons.joined(separator: "; "))"
        }
        if case .some(.isCertificateAuthority) = try? leaf.extensions.basicConstraints {
            return "the coordinator presented a CA certificate ('\(subject)'), not its own"
        }
        guard let usage = try? leaf.extensions.extendedKeyUsage, usage.contains(.serverAuth) else {
            return "wrong key usage: the coordinator's certificate '\(subject)' may not authenticate a TLS server "
                + "(its extended key usage lacks serverAuth); give the coordinator its certificate from "
                + "`concord certs init`, not a node's"
        }
        return nil
    }

    /// SHA-256 of the certificate's DER encoding, as `AB:CD:…`.
    static func fingerprint(of certificate: Certificate) -> String {
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(certificate)) != nil else { return "(unavailable)" }
        return SHA256.hash(data: serializer.serializedBytes).map { String(format: "%02X", $0) }.joined(separator: ":")
    }
}
