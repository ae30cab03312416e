/// A certificate and its private key, both PEM, issued by a ``FederationCA`` to one participant.
public struct IssuedIdentity: Sendable, Equatable {
    /// The participant's name: the certificate's subject Common Name.
    public let name: String
    /// The certificate, PEM-encoded (`-----BEGIN CERTIFICATE-----`).
    public let certificatePEM: String
    /// The private key, PEM-encoded PKCS#8 (`-----BEGIN PRIVATE KEY-----`). Keep it secret.
    public let privateKeyPEM: String
}
