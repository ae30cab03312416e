import Foundation
import GRPCNIOTransportHTTP2

/// How a coordinator or node secures its connections: mutual TLS with the federation's CA, or plaintext
/// behind an explicit choice (`--insecure`), for trials on one machine only.
public enum WireSecurity: Sendable, Equatable {
    /// Mutual TLS: this side's certificate and key, and the CA the other side's certificate must chain to. A
    /// private key that its group or others may read is refused unless `allowInsecureKeyPermissions`.
    case mutualTLS(
        certificate: String, privateKey: String, trustedCA: String, allowInsecureKeyPermissions: Bool = false)
    /// No encryption and no authentication.
    case insecure

    /// The files mutual TLS reads, checked before any connection is tried: each must exist and be readable, and
    /// the private key must be readable by its owner only (as ssh requires), unless allowed otherwise.
    ///
    /// - Throws: ``WireError/security(_:)`` naming the file that is missing, or the private key whose mode lets
    ///   group or others read it, with the `chmod` that fixes it.
    public func checkFiles() throws(WireError) {
        guard case .mutualTLS(let certificate, let key, let ca, let allowInsecure) = self else { return }
        for (role, path) in [("certificate", certificate), ("private key", key), ("CA certificate", ca)] {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw .security("cannot read the \(role) file '\(path)'")
            }
        }
        do {
            try PKIDirectory.checkPrivateKey(key, allowInsecure: allowInsecure)
        } catch {
            throw .security("\(error)")
        }
    }

    var server: HTTP2ServerTransport.Posix.TransportSecurity {
        switch self {
        case .insecure:
            return .plaintext
        case .mutualTLS(let certificate, let key, let ca, _):
            return .mTLS(
                certificateChain: [.file(path: certificate, format: .pem)], privateKey: .file(path: key, format: .pem)
            ) { config in
                config.trustRoots = .certificates([.file(path: ca, format: .pem)])
                config.clientCertificateVerification = .noHostnameVerification
            }
        }
    }

    /// The node's side; `check` replaces the TLS layer's check of the coordinator's certificate, so that a refusal
    /// can say why.
    func client(checkingWith check: CoordinatorCertificateCheck?) -> HTTP2ClientTransport.Posix.TransportSecurity {
        switch self {
        case .insecure:
            return .plaintext
        case .mutualTLS(let certificate, let key, let ca, _):
            return .mTLS(
                certificateChain: [.file(path: certificate, format: .pem)], privateKey: .file(path: key, format: .pem)
            ) { config in
                config.trustRoots = .certificates([.file(path: ca, format: .pem)])
                config.serverCertificateVerification = .fullVerification
                if let check { config.customVerificationCallback = { check.verify($0, $1) } }
            }
        }
    }
}
