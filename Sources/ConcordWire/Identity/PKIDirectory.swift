import ConcordSystem
import Foundation

/// A federation's certificates and keys on disk.
///
/// ```
/// DIR/ca.pem                  the federation CA certificate: every participant's trust root
/// DIR/ca-key.pem              the CA's private key (mode 0600): keep it offline
/// DIR/coordinator.pem         the coordinator's certificate
/// DIR/coordinator-key.pem     its private key (mode 0600)
/// DIR/nodes/NAME.pem          each node's certificate
/// DIR/nodes/NAME-key.pem      its private key (mode 0600)
/// ```
///
/// Nothing is ever overwritten: a write that would replace a file fails before writing anything. Each file is
/// written whole or not at all, private keys with mode 0600 from their first byte (ConcordSystem's `SecretFile`),
/// and the CA key is refused when read if its group or others may read it.
public struct PKIDirectory: Sendable {
    /// The directory's path.
    public let path: String

    /// The layout rooted at `path` (nothing is read or created yet).
    public init(path: String) {
        self.path = path
    }

    /// Path of the CA certificate, `DIR/ca.pem`.
    public var caCertificatePath: String { file("ca.pem") }
    /// Path of the CA private key, `DIR/ca-key.pem`.
    public var caPrivateKeyPath: String { file("ca-key.pem") }
    /// Path of the coordinator's certificate, `DIR/coordinator.pem`.
    public var coordinatorCertificatePath: String { file("coordinator.pem") }
    /// Path of the coordinator's private key, `DIR/coordinator-key.pem`.
    public var coordinatorPrivateKeyPath: String { file("coordinator-key.pem") }
    /// Path of the nodes' folder, `DIR/nodes`.
    public var nodesPath: String { file("nodes") }

    /// Path of a node's certificate, `DIR/nodes/NAME.pem`.
    public func nodeCertificatePath(_ name: String) -> String { file("nodes/\(name).pem") }
    /// Path of a node's private key, `DIR/nodes/NAME-key.pem`.
    public func nodePrivateKeyPath(_ name: String) -> String { file("nodes/\(name)-key.pem") }

    /// Writes a whole federation: the CA, the coordinator and the nodes, checking first that no file exists.
    ///
    /// - Returns: The paths written, in order.
    /// - Throws: ``IdentityError/fileExists(path:)`` naming the first file that exists (nothing is written then),
    ///   ``IdentityError/fileWriteFailed(path:reason:)``, or ``IdentityError/invalidName(_:)`` for a node name
    ///   that cannot be a file name.
    @discardableResult
    public func write(ca: FederationCA, coordinator: IssuedIdentity, nodes: [IssuedIdentity]) throws -> [String] {
        var files = [
            PendingFile(path: caCertificatePath, text: ca.certificatePEM, isSecret: false),
            PendingFile(path: caPrivateKeyPath, text: ca.privateKeyPEM, isSecret: true),
            PendingFile(path: coordinatorCertificatePath, text: coordinator.certificatePEM, isSecret: false),
            PendingFile(path: coordinatorPrivateKeyPath, text: coordinator.privateKeyPEM, isSecret: true),
        ]
        for node in nodes { files += try nodeFiles(node) }
        return try write(files)
    }

    /// Writes one more node's certificate and key into `DIR/nodes`.
    ///
    /// - Returns: The paths written: the certificate, then the key.
    /// - Throws: ``IdentityError/fileExists(path:)`` when the node has files already (nothing is written then),
    ///   ``IdentityError/fileWriteFailed(path:reason:)``, or ``IdentityError/invalidName(_:)``.
    @discardableResult
    public func write(node: IssuedIdentity) throws -> [String] {
        try write(try nodeFiles(node))
    }

    /// Loads the CA (certificate and key) written here before.
    ///
    /// - Parameter allowInsecureKeyPermissions: use the CA key even when its group or others may read it.
    /// - Throws: ``IdentityError/fileUnreadable(path:reason:)`` when a file is missing,
    ///   ``IdentityError/insecureKeyPermissions(path:mode:)`` when the key's mode lets group or others read it, or
    ///   the errors of ``FederationCA/init(certificatePEM:privateKeyPEM:)``.
    public func loadCA(allowInsecureKeyPermissions: Bool = false) throws -> FederationCA {
        let certificate = try read(caCertificatePath)
        let key = try read(caPrivateKeyPath)
        try Self.checkPrivateKey(caPrivateKeyPath, allowInsecure: allowInsecureKeyPermissions)
        return try FederationCA(certificatePEM: certificate, privateKeyPEM: key)
    }

    /// Refuses a private key file that its group or other users may read, as ssh does.
    ///
    /// - Throws: ``IdentityError/insecureKeyPermissions(path:mode:)`` (unless `allowInsecure`), or
    ///   ``IdentityError/fileUnreadable(path:reason:)`` when the file cannot be examined.
    public static func checkPrivateKey(_ path: String, allowInsecure: Bool = false) throws(IdentityError) {
        do {
            try SecretFile.checkPrivate(path, allowInsecure: allowInsecure)
        } catch .insecurePermissions(let path, let mode) {
            throw .insecureKeyPermissions(path: path, mode: mode)
        } catch .cannotInspect(let path, let reason) {
            throw .fileUnreadable(path: path, reason: reason)
        } catch {
            throw .fileUnreadable(path: path, reason: "\(error)")
        }
    }

    /// Whether a file or folder exists at `path`.
    public static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    /// Reads a text file, with an error naming it.
    ///
    /// - Throws: ``IdentityError/fileUnreadable(path:reason:)``.
    public static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IdentityError.fileUnreadable(path: path, reason: "no such file, or not readable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw IdentityError.fileUnreadable(path: path, reason: "not UTF-8 text (PEM expected)")
        }
        return text
    }

    private func read(_ path: String) throws -> String {
        do {
            return try Self.readText(path)
        } catch IdentityError.fileUnreadable(let path, let reason) {
            throw IdentityError.fileUnreadable(
                path: path, reason: "\(reason); is '\(self.path)' a directory made by `concord certs init`?")
        }
    }

    private func file(_ relative: String) -> String {
        URL(fileURLWithPath: path).appendingPathComponent(relative).path
    }

    private func nodeFiles(_ node: IssuedIdentity) throws -> [PendingFile] {
        try ParticipantName.validate(node.name)
        return [
            PendingFile(path: nodeCertificatePath(node.name), text: node.certificatePEM, isSecret: false),
            PendingFile(path: nodePrivateKeyPath(node.name), text: node.privateKeyPEM, isSecret: true),
        ]
    }

    /// A file to create: private keys get mode 0600, certificates 0644.
    private struct PendingFile {
        var path: String
        var text: String
        var isSecret: Bool
    }

    private func write(_ files: [PendingFile]) throws -> [String] {
        if let existing = files.first(where: { Self.exists($0.path) }) {
            throw IdentityError.fileExists(path: existing.path)
        }
        var written: [String] = []
        for file in files {
            let folder = URL(fileURLWithPath: file.path).deletingLastPathComponent().path
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw IdentityError.fileWriteFailed(path: folder, reason: error.localizedDescription)
            }
            do {
                try SecretFile.write(
                    Array(file.text.utf8), to: file.path, mode: file.isSecret ? SecretFile.ownerOnly : 0o644,
                    replacing: false)
            } catch .exists(let path) {
                throw IdentityError.fileExists(path: path)
            } catch .cannotWrite(let path, let reason) {
                throw IdentityError.fileWriteFailed(path: path, reason: reason)
            } catch {
                throw IdentityError.fileWriteFailed(path: file.path, reason: "\(error)")
            }
            written.append(file.path)
        }
        return written
    }
}
