import Foundation
import GRPCNIOTransportHTTP2

/// How a coordinator or node secures its connections: mutual TLS with the federation's CA, or plaintext
/// behind an explicit choice (`--insecure`), for trials on one machine only.
public enum WireSecurity: Sendable, Equatable {
    /// Mutual TLS: this side's certificate and key, and the CA the other side's certificate must chain to.
    case mutualTLS(certificate: String, privateKey: String, trustedCA: String)
    /// No encryption and no authentication.
    case insecure

    /// The files mutual TLS reads, checked to exist and be readable before any connection is tried.
    ///
    /// - Throws: ``WireError/security(_:)`` naming the file that is missing.
    public func checkFiles() throws(WireError) {
        guard case .mutualTLS(let certificate, let key, let ca) = self else { return }
        for (role, path) in [("certificate", certificate), ("private key", key), ("CA certificate", ca)] {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw .security("cannot read the \(role) file '\(path)'")
            }
        }
    }

    var server: HTTP2ServerTransport.Posix.TransportSecurity {
        switch self {
        case .insecure:
            return .plaintext
        case .mutualTLS(let certificate, let key, let ca):
            return .mTLS(
                certificateChain: [.file(path: certificate, format: .pem)], privateKey: .file(path: key, format: .pem)
            ) { config in
                config.trustRoots = .certificates([.file(path: ca, format: .pem)])
                config.clientCertificateVerification = .noHostnameVerification
            }
        }
    }

    var client: HTTP2ClientTransport.Posix.TransportSecurity {
        switch self {
        case .insecure:
            return .plaintext
        case .mutualTLS(let certificate, let key, let ca):
            return .mTLS(
                certificateChain: [.file(path: certificate, format: .pem)], privateKey: .file(path: key, format: .pem)
            ) { config in
                config.trustRoots = .certificates([.file(path: ca, format: .pem)])
                config.serverCertificateVerification = .fullVerification
            }
        }
    }
}
