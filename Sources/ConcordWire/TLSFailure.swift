import GRPCCore
import NIOSSL

/// A connection that failed in or around its TLS handshake, with the cause in words a person can act on.
///
/// The transport reports such failures as an `RPCError` whose chain of causes ends in a NIOSSL or BoringSSL error
/// (a reason like `CERTIFICATE_VERIFY_FAILED`, or the TLS alert the other side sent); ``atNode(_:security:check:)``
/// and ``atCoordinator(_:)`` turn those into sentences.
struct TLSFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, without the "TLS handshake failed" prefix.
    let cause: String
    /// Whether the failure can only be TLS's: a certificate this side refused, an alert the other side sent,
    /// a peer that does not speak TLS. A connection closed during the handshake is not: a coordinator turning
    /// connections away under a flood closes them the same way, and a node must not give up for that.
    var isDefinitive = true

    /// "TLS handshake failed: " and the cause.
    var description: String { "TLS handshake failed: \(cause)" }

    /// The TLS alerts a peer sends when it refuses the certificate it was shown.
    private static let certificateAlerts = [
        "ALERT_UNKNOWN_CA": "unknown CA", "ALERT_BAD_CERTIFICATE": "bad certificate",
        "ALERT_CERTIFICATE_UNKNOWN": "certificate unknown", "ALERT_CERTIFICATE_EXPIRED": "certificate expired",
        "ALERT_UNSUPPORTED_CERTIFICATE": "unsupported certificate",
        "ALERT_CERTIFICATE_REQUIRED": "certificate required",
        "ALERT_CERTIFICATE_REVOKED": "certificate revoked", "ALERT_HANDSHAKE_FAILURE": "handshake failure",
        "ALERT_DECRYPT_ERROR": "decrypt error", "ALERT_ACCESS_DENIED": "access denied",
    ]

    /// Why a node's connection failed, when TLS (or a TLS/plaintext mismatch) is the reason.
    ///
    /// - Parameters:
    ///   - error: What the connection attempt threw.
    ///   - security: The node's own choice of TLS or plaintext.
    ///   - check: The node's check of the coordinator's certificate, which knows why it refused one.
    /// - Returns: The failure, or nil when the error is not TLS's (a refused TCP connection, say).
    static func atNode(_ error: any Error, security: WireSecurity, check: CoordinatorCertificateCheck?) -> TLSFailure? {
        let errors = chain(of: error)
        if case .insecure = security {
            // A TLS coordinator answers the HTTP/2 preface with a TLS alert or by closing the connection.
            let text = errors.map { "\($0)" }.joined(separator: " ")
            guard text.contains("HTTP/2 connection preface") else { return nil }
            return TLSFailure(
                cause: "the coordinator closed the connection before HTTP/2 began: it probably requires TLS, and this "
                    + "node runs without it (--insecure); give the node --pki or --certificate, --key and --ca")
        }
        if let refusal = check?.takeRefusal() { return TLSFailure(cause: refusal) }
        for error in errors {
            if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
                return TLSFailure(
                    cause: "wrong host name: the coordinator's certificate does not list the host this node dialled "
                        + "(\(extra)); dial a name or address it lists, or issue it for this host "
                        + "(`concord certs init --host`)")
            }
        }
        let reasons = sslReasons(in: errors)
        if let alert = alert(in: reasons) {
            return TLSFailure(
                cause: "the coordinator refused this node's certificate (TLS alert '\(alert)'): check it with "
                    + "`concord certs verify --ca CA --cert CERT` against the coordinator's CA")
        }
        if reasons.contains(where: { $0.contains("WRONG_VERSION_NUMBER") || $0.contains("RECORD_LENGTH") }) {
            return TLSFailure(
                cause: "the coordinator did not answer in TLS: it probably runs without TLS (--insecure) while this "
                    + "node uses TLS")
        }
        if reasons.contains(where: { $0.contains("CERTIFICATE_VERIFY_FAILED") }) {
            return TLSFailure(cause: "the coordinator's certificate does not verify against the CA this node trusts")
        }
        if errors.contains(where: isEndOfHandshake) {
            return TLSFailure(
                cause: "the coordinator closed the connection during the TLS handshake: it may run without TLS "
                    + "(--insecure), have refused this node's certificate, or be turning connections away",
                isDefinitive: false)
        }
        if !reasons.isEmpty { return TLSFailure(cause: reasons.joined(separator: "; ")) }
        return nil
    }

    /// Why a connection to the coordinator failed its TLS handshake, or nil when the error is not TLS's.
    ///
    /// - Parameter error: What the coordinator's TLS layer reported.
    static func atCoordinator(_ error: any Error) -> TLSFailure? {
        let errors = chain(of: error)
        let reasons = sslReasons(in: errors)
        if let alert = alert(in: reasons) {
            return TLSFailure(
                cause: "the node refused this coordinator's certificate (TLS alert '\(alert)'): the node may trust "
                    + "another federation's CA, or this certificate has expired or does not list the host the node "
                    + "dialled")
        }
        if reasons.contains(where: { $0.contains("CERTIFICATE_VERIFY_FAILED") }) {
            return TLSFailure(
                cause: "the node's certificate does not verify against the federation CA (issued by another CA, "
                    + "expired or not yet valid)")
        }
        if reasons.contains(where: { $0.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") }) {
            return TLSFailure(cause: "the node presented no certificate")
        }
        if reasons.contains(where: { $0.contains("WRONG_VERSION_NUMBER") || $0.contains("HTTP_REQUEST") }) {
            return TLSFailure(cause: "the peer does not speak TLS (a node started with --insecure?)")
        }
        if !reasons.isEmpty { return TLSFailure(cause: reasons.joined(separator: "; ")) }
        // A connection closed before its handshake ended is not reported here: the connection guard reports the
        // idle ones it closes, and a peer that leaves has nothing to be told.
        if errors.contains(where: isEndOfHandshake) { return nil }
        if errors.contains(where: { $0 is NIOSSLError || $0 is BoringSSLError }) {
            return TLSFailure(cause: "\(error)")
        }
        return nil
    }

    /// The error and the causes under it, outermost first.
    private static func chain(of error: any Error) -> [any Error] {
        var errors: [any Error] = [error]
        while errors.count < 16, let rpc = errors.last as? RPCError, let cause = rpc.cause {
            errors.append(cause)
        }
        return errors
    }

    /// BoringSSL's reason codes in the chain (`CERTIFICATE_VERIFY_FAILED`, `SSLV3_ALERT_BAD_CERTIFICATE`, …).
    private static func sslReasons(in errors: [any Error]) -> [String] {
        var stacks: [NIOBoringSSLErrorStack] = []
        for error in errors {
            switch error {
            case NIOSSLError.handshakeFailed(.sslError(let stack)),
                NIOSSLError.handshakeFailed(.unknownError(let stack)),
                BoringSSLError.sslError(let stack), BoringSSLError.unknownError(let stack):
                stacks.append(stack)
            default: continue
            }
        }
        // "error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at …": the part after the last
        // colon before " at ".
        let synthetic: [BoringSSLInternalError] = [.eofDuringHandshake, .eofDuringAdditionalCertficiateChainValidation]
        return stacks.flatMap { $0 }.filter { !synthetic.contains($0) }.map { message in
            let text = "\(message)"
            let head = text.components(separatedBy: " at ").first ?? text
            return head.split(separator: ":").last.map(String.init) ?? head
        }
    }

    /// The certificate alert the peer sent, in words, if one is among `reasons`.
    private static func alert(in reasons: [String]) -> String? {
        for reason in reasons {
            for (code, words) in certificateAlerts where reason.hasSuffix(code) { return words }
        }
        return nil
    }

    private static func isEndOfHandshake(_ error: any Error) -> Bool {
        switch error {
        case NIOSSLError.uncleanShutdown: return true
        case NIOSSLError.handshakeFailed(.sslError(let stack)): return stack.contains(.eofDuringHandshake)
        default: return false
        }
    }
}
