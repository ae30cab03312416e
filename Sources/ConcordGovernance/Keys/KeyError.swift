/// Why a key, a key file or a signature could not be used.
public enum KeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A key or signature is not the base64 of the expected number of bytes.
    case malformed(what: String, detail: String)
    /// A key file does not start with the header line of the expected kind.
    case wrongKind(path: String, expected: String, found: String)
    /// A key file cannot be read or written.
    case file(path: String, detail: String)
    /// The cryptographic library refused to sign.
    case signingFailed(String)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .malformed(let what, let detail): "\(what) is malformed: \(detail)"
        case .wrongKind(let path, let expected, let found):
            "\(path) is not a \(expected) file (its first line is '\(found)'; expected '\(expected)')"
        case .file(let path, let detail): "\(path): \(detail)"
        case .signingFailed(let detail): "signing failed: \(detail)"
        }
    }
}
