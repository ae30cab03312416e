import ArgumentParser
import ConcordWire
import Foundation

/// `concord certs init`: a new federation CA with the coordinator's and the nodes' certificates.
struct CertsInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a federation CA and issue the coordinator's and the nodes' certificates.",
        discussion: """
            Writes DIR/ca.pem, DIR/ca-key.pem, DIR/coordinator.pem, DIR/coordinator-key.pem and, for each node, \
            DIR/nodes/NAME.pem and DIR/nodes/NAME-key.pem. Keys are ECDSA P-256, private keys mode 0600. Refuses to \
            start if any of these files exists.
            """)

    @Option(help: "The directory to write (created if missing; existing files are never overwritten).")
    var out: String

    @Option(help: "Comma-separated node names (1–64 letters, digits, '-', '_', '.'), e.g. hospital-a,hospital-b.")
    var nodes: String

    @Option(help: "Comma-separated DNS names and IP addresses the nodes reach the coordinator by.")
    var hosts: String = "localhost,127.0.0.1"

    @Option(help: "How many days the CA and the certificates are valid.")
    var days: Int = 365

    @Option(help: "The CA's subject Common Name.")
    var caName: String = "Concord federation CA"

    @Option(help: "The coordinator's participant name (its certificate's Common Name).")
    var coordinatorName: String = "coordinator"

    func validate() throws {
        guard days > 0 else { throw ValidationError("--days must be positive") }
        let names = CertsList.split(nodes)
        guard !names.isEmpty else { throw ValidationError("--nodes needs at least one node name") }
        for name in names where !FederationIdentity.isValidParticipantName(name) {
            throw ValidationError(IdentityError.invalidName(name).description)
        }
        if let duplicate = CertsList.firstDuplicate(names + [coordinatorName]) {
            throw ValidationError("the name '\(duplicate)' is given twice; each participant needs its own")
        }
    }

    func run() throws {
        let validFor = Duration.seconds(days * 86_400)
        let ca = try FederationCA.create(name: caName, validFor: validFor)
        let coordinator = try ca.issueCoordinator(name: coordinatorName, hosts: CertsList.split(hosts))
        let issued = try CertsList.split(nodes).map { try ca.issueNode(name: $0) }
        let written = try PKIDirectory(path: out).write(ca: ca, coordinator: coordinator, nodes: issued)
        for path in written { print("wrote \(path)\(path.hasSuffix("-key.pem") ? " (private, mode 0600)" : "")") }
        print(
            "federation CA '\(ca.name)' with coordinator '\(coordinator.name)' and \(issued.count) node(s), "
                + "valid \(days) days; keep \(PKIDirectory(path: out).caPrivateKeyPath) offline")
    }
}

/// Comma-separated command-line lists.
enum CertsList {
    /// The trimmed, non-empty items of a comma-separated list.
    static func split(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The first item that occurs twice, if any.
    static func firstDuplicate(_ items: [String]) -> String? {
        var seen = Set<String>()
        return items.first { !seen.insert($0).inserted }
    }
}
