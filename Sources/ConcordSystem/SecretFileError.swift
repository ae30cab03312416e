/// Why a secret file could not be written, or may not be read.
///
/// Each case names the file; ``description`` says what to do.
package enum SecretFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file exists and the writer was told not to replace it.
    case exists(path: String)
    /// A system call failed while writing the file (or the temporary file beside it).
    case cannotWrite(path: String, reason: String)
    /// The file's mode could not be read (it is missing, or a folder on its path may not be searched).
    case cannotInspect(path: String, reason: String)
    /// The file's mode lets its group or other users read (or write, or run) it.
    case insecurePermissions(path: String, mode: UInt32)

    /// A sentence a person can act on.
    package var description: String {
        switch self {
        case .exists(let path):
            return "'\(path)' exists already and is not overwritten: remove it or choose another path"
        case .cannotWrite(let path, let reason):
            return "cannot write '\(path)': \(reason)"
        case .cannotInspect(let path, let reason):
            return "cannot read '\(path)': \(reason)"
        case .insecurePermissions(let path, let mode):
            return Self.insecurePermissionsAdvice(path: path, mode: mode)
        }
    }

    /// The message for a private key file whose mode lets group or others at it, as ssh gives one.
    ///
    /// - Parameters:
    ///   - path: the key file.
    ///   - mode: its permission bits (`st_mode & 0o7777`).
    /// - Returns: what is wrong and the command that fixes it.
    package static func insecurePermissionsAdvice(path: String, mode: UInt32) -> String {
        "'\(path)' is readable by group or others (mode \(octal(mode))): a private key must be readable by its "
            + "owner only; run: chmod 600 \(path) (or pass --allow-insecure-key-permissions to use it anyway)"
    }

    /// Four octal digits, as `ls` and `chmod` spell a mode: 0644.
    package static func octal(_ mode: UInt32) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
