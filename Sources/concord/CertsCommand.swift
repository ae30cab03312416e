import ArgumentParser

/// `concord certs`: the federation's certificates for mutual TLS.
struct CertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "Create and check the federation's certificates for mutual TLS.",
        discussion: """
            A federation has one certificate authority (CA). It issues the coordinator a certificate for its hosts \
            and each node a client certificate whose subject Common Name is the node's participant name. The \
            coordinator admits a node whose certificate chains to the CA and whose name the federation config lists:
              concord certs init --out pki --nodes hospital-a,hospital-b --days 365
              concord certs issue --dir pki --node hospital-c
              concord certs verify --ca pki/ca.pem --cert pki/nodes/hospital-c.pem
            Private keys are written with mode 0600 and no file is ever overwritten. Keep pki/ca-key.pem offline: \
            whoever holds it can admit anyone.
            """,
        subcommands: [CertsInitCommand.self, CertsIssueCommand.self, CertsVerifyCommand.self]
    )
}
