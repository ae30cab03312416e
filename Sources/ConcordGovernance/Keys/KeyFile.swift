import ConcordSystem
import Foundation

/// Concord's key files: two lines of text, a header naming the kind and the canonical base64 of the 32 raw key
/// bytes.
///
/// ```
/// concord-ed25519-private-key-v1
/// <base64 of the 32-byte private key (RFC 8032 seed)>
/// ```
/// and the same with `concord-ed25519-public-key-v1` for a public key. A trailing newline is written and accepted;
/// nothing else is. A private key file is created with mode 0600 before its first byte is written (through
/// ConcordSystem's `SecretFile`), and one that its group or others may read is refused when read.
public enum KeyFile {
    /// The header line of a private key file.
    public static let privateHeader = "concord-ed25519-private-key-v1"
    /// The header line of a public key file.
    public static let publicHeader = "concord-ed25519-public-key-v1"

    /// The text of a private key file.
    public static func text(of identity: SigningIdentity) -> String {
        "\(privateHeader)\n\(identity.rawRepresentation.base64EncodedString())\n"
    }

    /// The text of a public key file.
    public static func text(of key: PublicKey) -> String { "\(publicHeader)\n\(key.base64)\n" }

    /// Parses a private key file's text.
    ///
    /// - Throws: ``KeyError/wrongKind(path:expected:found:)`` or ``KeyError/malformed(what:detail:)``.
    public static func identity(fromText text: String, path: String = "the key") throws(KeyError) -> SigningIdentity {
        let body = try payload(text, header: privateHeader, path: path)
        guard let data = StrictBase64.decode(body) else {
            throw .malformed(what: "the private key in \(path)", detail: "the second line is not canonical base64")
        }
        return try SigningIdentity(rawRepresentation: data)
    }

    /// Parses a public key file's text.
    ///
    /// - Throws: ``KeyError/wrongKind(path:expected:found:)`` or ``KeyError/malformed(what:detail:)``.
    public static func publicKey(fromText text: String, path: String = "the key") throws(KeyError) -> PublicKey {
        let body = try payload(text, header: publicHeader, path: path)
        return try PublicKey(base64: body)
    }

    /// Reads a private key file, refusing one that its group or other users may read (as ssh does).
    ///
    /// - Parameters:
    ///   - path: the private key file.
    ///   - allowInsecurePermissions: read it even when its mode lets group or others at it.
    /// - Throws: ``KeyError/insecurePermissions(path:mode:)`` when `mode & 0o077 != 0` (unless allowed), or
    ///   ``KeyError`` when the file cannot be read or is not a private key file.
    public static func readIdentity(
        at path: String, allowInsecurePermissions: Bool = false
    ) throws(KeyError) -> SigningIdentity {
        let text = try read(path)
        do {
            try SecretFile.checkPrivate(path, allowInsecure: allowInsecurePermissions)
        } catch {
            throw KeyError(error)
        }
        return try identity(fromText: text, path: path)
    }

    /// Reads a public key file (or the public half of a private key file).
    ///
    /// - Throws: ``KeyError`` when the file cannot be read or holds no key.
    public static func readPublicKey(at path: String) throws(KeyError) -> PublicKey {
        let text = try read(path)
        if text.hasPrefix(privateHeader) { return try identity(fromText: text, path: path).publicKey }
        return try publicKey(fromText: text, path: path)
    }

    /// Writes `identity` to `prefix.key` (mode 0600 from its first byte) and its public key to `prefix.pub`, each
    /// atomically (whole or not at all).
    ///
    /// - Parameters:
    ///   - identity: the key pair.
    ///   - prefix: the path of the two files, without `.key` or `.pub`.
    ///   - replacing: replace existing files; by default an existing key is never overwritten.
    /// - Returns: the two paths written.
    /// - Throws: ``KeyError/file(path:detail:)`` when a file exists (without `replacing`) or cannot be written.
    @discardableResult
    public static func write(
        _ identity: SigningIdentity, prefix: String, replacing: Bool = false
    ) throws(KeyError) -> (
        privateKey: String, publicKey: String
    ) {
        let privatePath = prefix + ".key", publicPath = prefix + ".pub"
        for path in [privatePath, publicPath] where !replacing && SecretFile.exists(path) {
            throw .file(path: path, detail: "already exists; refusing to overwrite a key")
        }
        do {
            try SecretFile.write(text(of: identity), to: privatePath, replacing: replacing)
            try SecretFile.write(
                Array(text(of: identity.publicKey).utf8), to: publicPath, mode: 0o644, replacing: replacing)
        } catch .exists(let path) {
            throw .file(path: path, detail: "already exists; refusing to overwrite a key")
        } catch {
            throw KeyError(error)
        }
        return (privatePath, publicPath)
    }

    private static func read(_ path: String) throws(KeyError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .file(path: path, detail: "cannot be read (does it exist?)")
        }
        guard data.count < 4096 else { throw .file(path: path, detail: "is too large to be a key file") }
        return String(decoding: data, as: UTF8.self)
    }

    private static func payload(_ text: String, header: String, path: String) throws(KeyError) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let first = lines.first ?? ""
        guard first == header else { throw .wrongKind(path: path, expected: header, found: String(first.prefix(60))) }
        guard lines.count == 2 else {
            throw .malformed(what: path, detail: "expected 2 lines (header and base64 key), found \(lines.count)")
        }
        return lines[1]
    }
}
