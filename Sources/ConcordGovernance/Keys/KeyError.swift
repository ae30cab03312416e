import ConcordSystem

/// Why a key, a key file or a signature could not be used.
public enum KeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A key or signature is not the base64 of the expected number of bytes.
    case malformed(what: String, detail: String)
    /// A key file does not start with the header line of the expected kind.
    case wrongKind(path: String, expected: String, found: String)
    /// A key file cannot be read or written.
    case file(path: String, detail: String)
    /// A private key file's mode lets its group or other users read it (`mode & 0o077 != 0`).
    case insecurePermissions(path: String, mode: UInt32)
    /// The cryptographic library refused to sign.
    case signingFailed(String)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .malformed(let what, let detail): "\(what) is malformed: \(detail)"
        case .wrongKind(let path, let expected, let found):
            "\(path) is not a \(expected) file (its first line is '\(found)'; expected '\(expected)')"
        case .file(let path, let detail): "\(path): \(detail)"
        case .insecurePermissions(let path, let mode): SecretFileError.insecurePermissionsAdvice(path: path, mode: mode)
        case .signingFailed(let detail): "signing failed: \(detail)"
        }
    }

    /// The key error that says what a secret file's error says.
    init(_ error: SecretFileError) {
        switch error {
        case .insecurePermissions(let path, let mode): self = .insecurePermissions(path: path, mode: mode)
        case .exists(let path): self = .file(path: path, detail: "already exists; refusing to overwrite a key")
        case .cannotWrite(let path, let reason): self = .file(path: path, detail: "cannot be written: \(reason)")
        case .cannotInspect(let path, let reason): self = .file(path: path, detail: "cannot be examined: \(reason)")
        }
    }
}
