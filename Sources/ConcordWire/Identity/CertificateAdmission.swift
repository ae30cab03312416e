import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import X509

/// The coordinator's check of the certificate a node presented in the TLS handshake: the same rules as
/// `concord certs verify` (``FederationIdentity/verify(_:intermediates:trusting:at:)``), so that a certificate the
/// command refuses is never admitted.
///
/// The TLS layer has already checked the chain and the validity period; it does not check that the certificate is
/// a leaf (not a CA) or that it allows TLS client authentication (extended key usage clientAuth). Those are checked
/// here, before the node's Hello is accepted.
struct CertificateAdmission: Sendable {
    /// The federation CA, the only trust root.
    let ca: Certificate

    /// Reads the federation CA the coordinator trusts.
    ///
    /// - Parameter caPath: The CA certificate file (PEM), as given to mutual TLS.
    /// - Throws: ``WireError/security(_:)`` when the file cannot be read, holds no single certificate, or holds one
    ///   that may not issue certificates.
    init(caPath: String) throws(WireError) {
        ca = try FederationIdentity.loadCA(caPath)
    }

    /// What the handshake's certificate says about the node that presented it.
    ///
    /// - Parameter context: The stream's server context; its transport-specific part holds the peer certificate.
    /// - Returns: ``PeerCertificate/absent`` without a certificate, ``PeerCertificate/verified(name:)`` with the
    ///   participant name when it passes every check, else ``PeerCertificate/refused(reason:)`` in
    ///   ``IdentityError``'s words.
    func check(_ context: ServerContext) async -> PeerCertificate {
        guard let transport = context.transportSpecific as? HTTP2ServerTransport.Posix.Context,
            let certificate = transport.peerCertificate
        else { return .absent }
        let intermediates = transport.peerCertificateChain.map { Array($0.dropFirst()) } ?? []
        do {
            let name = try await FederationIdentity.verify(certificate, intermediates: intermediates, trusting: ca)
            return .verified(name: name)
        } catch {
            return .refused(reason: "\(error)")
        }
    }
}

/// The certificate a node presented, as the coordinator judged it.
enum PeerCertificate: Sendable, Equatable {
    /// No certificate (plaintext, or a handshake without one).
    case absent
    /// A certificate that passes every check, naming this participant.
    case verified(name: String)
    /// A certificate the coordinator refuses, and why.
    case refused(reason: String)

    /// The participant name of a verified certificate.
    var name: String? {
        if case .verified(let name) = self { return name }
        return nil
    }

    /// Why the certificate is refused, if it is.
    var refusal: String? {
        if case .refused(let reason) = self { return reason }
        return nil
    }
}
