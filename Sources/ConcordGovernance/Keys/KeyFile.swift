import Foundation

/// Concord's key files: two lines of text, a header naming the kind and the canonical base64 of the 32 raw key
/// bytes.
///
/// ```
/// concord-ed25519-private-key-v1
/// <base64 of the 32-byte private key (RFC 8032 seed)>
/// ```
/// and the same with `concord-ed25519-public-key-v1` for a public key. A trailing newline is written and accepted;
/// nothing else is. Private key files are written with permissions 0600.
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

    /// Reads a private key file.
    ///
    /// - Throws: ``KeyError`` when the file cannot be read or is not a private key file.
    public static func readIdentity(at path: String) throws(KeyError) -> SigningIdentity {
        try identity(fromText: read(path), path: path)
    }

    /// Reads a public key file (or the public half of a private key file).
    ///
    /// - Throws: ``KeyError`` when the file cannot be read or holds no key.
    public static func readPublicKey(at path: String) throws(KeyError) -> PublicKey {
        let text = try read(path)
        if text.hasPrefix(privateHeader) { return try identity(fromText: text, path: path).publicKey }
        return try publicKey(fromText: text, path: path)
    }

    /// Writes `identity` to `prefix.key` (0600) and its public key to `prefix.pub`; refuses to overwrite.
    ///
    /// - Returns: the two paths written.
    /// - Throws: ``KeyError/file(path:detail:)`` when a file exists or cannot be written.
    @discardableResult
    public static func write(
        _ identity: SigningIdentity, prefix: String
    ) throws(KeyError) -> (
        privateKey: String, publicKey: String
    ) {
        let privatePath = prefix + ".key", publicPath = prefix + ".pub"
        for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) {
            throw .file(path: path, detail: "already exists; refusing to overwrite a key")
        }
        try write(text(of: identity), to: privatePath, permissions: 0o600)
        try write(text(of: identity.publicKey), to: publicPath, permissions: 0o644)
        return (privatePath, publicPath)
    }

    private static func write(_ text: String, to path: String, permissions: Int) throws(KeyError) {
        let created = FileManager.default.createFile(
            atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: permissions])
        guard created else { throw .file(path: path, detail: "cannot be written") }
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
