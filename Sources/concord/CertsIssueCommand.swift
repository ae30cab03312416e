import ArgumentParser
import ConcordWire
import Foundation

/// `concord certs issue`: one more node certificate from an existing federation CA.
struct CertsIssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue one more node's certificate from the CA in DIR (made by `concord certs init`).",
        discussion: """
            Reads DIR/ca.pem and DIR/ca-key.pem (refused if its group or others may read it) and writes \
            DIR/nodes/NAME.pem and DIR/nodes/NAME-key.pem (mode 0600), refusing if either exists. Remember to list \
            the node in the federation config too.
            """)

    @Option(help: "The PKI directory holding ca.pem and ca-key.pem.")
    var dir: String

    @Option(help: "The node's participant name (1–64 letters, digits, '-', '_', '.').")
    var node: String

    @Option(help: "How many days the certificate is valid (at most until the CA expires; default: that long).")
    var days: Int?

    @OptionGroup var keyPermissions: KeyPermissionOptions

    func validate() throws {
        if let days, days <= 0 { throw ValidationError("--days must be positive") }
        guard FederationIdentity.isValidParticipantName(node) else {
            throw ValidationError(IdentityError.invalidName(node).description)
        }
    }

    func run() throws {
        let directory = PKIDirectory(path: dir)
        let ca = try directory.loadCA(allowInsecureKeyPermissions: keyPermissions.allowInsecureKeyPermissions)
        let identity = try ca.issueNode(name: node, validFor: days.map { .seconds($0 * 86_400) })
        for path in try directory.write(node: identity) {
            print("wrote \(path)\(path.hasSuffix("-key.pem") ? " (private, mode 0600)" : "")")
        }
        print("issued node '\(identity.name)' from CA '\(ca.name)'")
    }
}
