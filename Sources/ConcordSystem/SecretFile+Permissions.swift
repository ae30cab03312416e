#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension SecretFile {
    /// The permission bits of `path` (`st_mode & 0o7777`, following symbolic links as `open` does).
    ///
    /// - Throws: ``SecretFileError/cannotInspect(path:reason:)`` when the file cannot be examined.
    package static func mode(of path: String) throws(SecretFileError) -> UInt32 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .cannotInspect(path: path, reason: describe(errno)) }
        return UInt32(info.st_mode) & 0o7777
    }

    /// Refuses a private key file that its group or other users may read, write or run, as ssh does: a key that
    /// others could have read is no longer a secret, and it is better to know than to go on signing with it.
    ///
    /// - Parameters:
    ///   - path: the private key file.
    ///   - allowInsecure: skip the refusal (the user said so, with `--allow-insecure-key-permissions`).
    /// - Throws: ``SecretFileError/insecurePermissions(path:mode:)`` when `mode & 0o077 != 0`, naming the
    ///   `chmod` that fixes it; ``SecretFileError/cannotInspect(path:reason:)`` when the file cannot be examined.
    package static func checkPrivate(_ path: String, allowInsecure: Bool = false) throws(SecretFileError) {
        guard !allowInsecure else { return }
        let mode = try mode(of: path)
        if mode & 0o077 != 0 { throw .insecurePermissions(path: path, mode: mode) }
    }
}
