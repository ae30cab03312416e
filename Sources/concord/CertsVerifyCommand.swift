import ArgumentParser
import ConcordWire
import Foundation

/// `concord certs verify`: whether the coordinator would admit a certificate, and under which name.
struct CertsVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a certificate against the federation CA; print its participant name, or exit 1 saying why.",
        discussion: """
            The chain must lead to the CA (RFC 5280: signatures, validity now, CA constraints), the certificate must \
            allow TLS client authentication and carry a valid participant name as its Common Name. Whether that \
            name is listed in the federation config is checked by the coordinator, not here. Further certificates \
            in the --cert file are used as intermediates.
            """)

    @Option(help: "The federation CA certificate (PEM), e.g. pki/ca.pem.")
    var ca: String

    @Option(help: "The certificate to check (PEM), e.g. pki/nodes/hospital-a.pem.")
    var cert: String

    func run() async throws {
        let certificatePEM = try PKIDirectory.readText(cert)
        let caPEM = try PKIDirectory.readText(ca)
        do {
            let name = try await FederationIdentity.verify(certificatePEM: certificatePEM, trusting: caPEM)
            print(name)
        } catch let error as IdentityError {
            print("refused: \(error)")
            throw ExitCode(1)
        }
    }
}
