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
            the node in the federation config too. With --flower-token it writes instead a Flower client's token, \
            DIR/nodes/NAME.flower-token (mode 0600), derived from the federation's Flower token secret \
            DIR/flower-token-secret (created, mode 0600, the first time): the coordinator's `flower_token_secret`. \
            A Flower client needs that token and DIR/ca.pem, no certificate (see Docs/flower.md).
            """)

    @Option(help: "The PKI directory holding ca.pem and ca-key.pem.")
    var dir: String

    @Option(help: "The node's participant name (1–64 letters, digits, '-', '_', '.').")
    var node: String

    @Option(help: "How many days the certificate is valid (at most until the CA expires; default: that long).")
    var days: Int?

    @Flag(help: "Write a Flower client's admission token instead of a node certificate (see Docs/flower.md).")
    var flowerToken = false

    @OptionGroup var keyPermissions: KeyPermissionOptions

    func validate() throws {
        if let days, days <= 0 { throw ValidationError("--days must be positive") }
        guard FederationIdentity.isValidParticipantName(node) else {
            throw ValidationError(IdentityError.invalidName(node).description)
        }
    }

    func run() throws {
        if flowerToken {
            try issueFlowerToken()
            return
        }
        let directory = PKIDirectory(path: dir)
        let ca = try directory.loadCA(allowInsecureKeyPermissions: keyPermissions.allowInsecureKeyPermissions)
        let identity = try ca.issueNode(name: node, validFor: days.map { .seconds($0 * 86_400) })
        for path in try directory.write(node: identity) {
            print("wrote \(path)\(path.hasSuffix("-key.pem") ? " (private, mode 0600)" : "")")
        }
        print("issued node '\(identity.name)' from CA '\(ca.name)'")
    }

    private func issueFlowerToken() throws {
        let folder = URL(fileURLWithPath: dir)
        let secretPath = folder.appendingPathComponent("flower-token-secret").path
        if !FileManager.default.fileExists(atPath: secretPath) {
            try FlowerTokens.createSecret(at: secretPath)
            print("wrote \(secretPath) (the coordinator's flower_token_secret; private, mode 0600)")
        }
        let tokens = try FlowerTokens(
            secretFile: secretPath, allowInsecurePermissions: keyPermissions.allowInsecureKeyPermissions)
        let nodes = folder.appendingPathComponent("nodes")
        try FileManager.default.createDirectory(at: nodes, withIntermediateDirectories: true)
        let tokenPath = nodes.appendingPathComponent("\(node).flower-token").path
        try FlowerTokens.writeToken(tokens.token(for: node), to: tokenPath)
        print("wrote \(tokenPath) (private, mode 0600)")
        print("issued a Flower token for '\(node)'")
    }
}
