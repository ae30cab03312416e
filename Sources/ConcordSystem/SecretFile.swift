// ConcordSystem: the few operating-system facilities Concord's other modules share, kept in one place so each
// is done once and done right. Today that is how secrets reach the disk (`SecretFile`): created owner-only from
// their first byte, written whole, synced, and renamed into place.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How Concord writes a secret (a private key, the run store): never readable by another user, not even for an
/// instant, and never seen half-written.
///
/// A write creates a temporary file beside the target with `O_CREAT | O_EXCL` and mode 0600, so the bytes only
/// ever exist in a file its owner alone may open (a umask can only remove bits); writes every byte, `fsync`s it,
/// moves it over the target (with `rename`, or with `link` when an existing file must not be replaced, which
/// refuses atomically), and `fsync`s the folder so the new name survives a power cut. On any failure the
/// temporary file is removed and nothing at the target changes.
package enum SecretFile {
    /// The mode of every secret: read and write for its owner, nothing for anyone else.
    package static let ownerOnly: mode_t = 0o600

    /// Writes `text` (UTF-8) to `path` as a secret, mode 0600.
    ///
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - path: the file to create (its folder must exist).
    ///   - replacing: whether an existing file is replaced; when false an existing file is an error and is left
    ///     as it was.
    /// - Throws: ``SecretFileError/exists(path:)`` or ``SecretFileError/cannotWrite(path:reason:)``.
    package static func write(_ text: String, to path: String, replacing: Bool = false) throws(SecretFileError) {
        try write(Array(text.utf8), to: path, mode: ownerOnly, replacing: replacing)
    }

    /// Writes `bytes` to `path` as a secret, mode 0600.
    ///
    /// - Throws: ``SecretFileError/exists(path:)`` or ``SecretFileError/cannotWrite(path:reason:)``.
    package static func write(_ bytes: [UInt8], to path: String, replacing: Bool = false) throws(SecretFileError) {
        try write(bytes, to: path, mode: ownerOnly, replacing: replacing)
    }

    /// Writes `bytes` to `path` the same way with another `mode`: for the public files written beside secrets
    /// (a certificate, a public key), so that they too appear whole or not at all. The umask still applies.
    ///
    /// - Throws: ``SecretFileError/exists(path:)`` or ``SecretFileError/cannotWrite(path:reason:)``.
    package static func write(
        _ bytes: [UInt8], to path: String, mode: mode_t, replacing: Bool
    ) throws(SecretFileError) {
        let (folder, name) = split(path)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw .cannotWrite(path: path, reason: "the path names a folder, not a file")
        }
        if !replacing, exists(path) { throw .exists(path: path) }
        let temporary = join(folder, ".\(name).tmp-\(String(UInt64.random(in: .min ... .max), radix: 16))")
        guard let descriptor = try openExclusive(temporary, mode: mode, reportedAs: path) else {
            throw .cannotWrite(path: path, reason: "the temporary file \(temporary) exists; try again")
        }
        var closed = false
        var placed = false
        defer {
            if !closed { _ = close(descriptor) }
            if !placed { _ = unlink(temporary) }
        }
        // open() gave a secret mode 0600 already (a umask only removes bits); say it again, in case a file
        // system ignored it.
        if mode == ownerOnly, fchmod(descriptor, ownerOnly) != 0 {
            throw .cannotWrite(path: path, reason: "cannot set mode 0600: \(describe(errno))")
        }
        if let reason = writeAll(descriptor, bytes) { throw .cannotWrite(path: path, reason: reason) }
        guard fsyncRetrying(descriptor) == 0 else { throw .cannotWrite(path: path, reason: describe(errno)) }
        closed = true
        guard close(descriptor) == 0 else { throw .cannotWrite(path: path, reason: describe(errno)) }
        try place(temporary, at: path, replacing: replacing)
        placed = true
        try syncFolder(folder, of: path)
    }

    /// Creates an empty file with mode 0600 at `path` unless something is there already: for a file another
    /// library fills (SQLite gives its `-wal` and `-shm` files the database file's mode).
    ///
    /// - Returns: whether this call created the file.
    /// - Throws: ``SecretFileError/cannotWrite(path:reason:)``.
    @discardableResult
    package static func createEmptyIfAbsent(at path: String) throws(SecretFileError) -> Bool {
        guard let descriptor = try openExclusive(path, mode: ownerOnly, reportedAs: path) else { return false }
        defer { _ = close(descriptor) }
        guard fchmod(descriptor, ownerOnly) == 0 else {
            throw .cannotWrite(path: path, reason: "cannot set mode 0600: \(describe(errno))")
        }
        return true
    }

    /// Whether anything (a file, a folder, a dangling symbolic link) has the name `path`.
    package static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    // MARK: - Steps

    /// Creates `path` (which must not exist) with `mode` and opens it for writing; nil when it exists.
    private static func openExclusive(
        _ path: String, mode: mode_t, reportedAs target: String
    ) throws(SecretFileError) -> Int32? {
        while true {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
            if descriptor >= 0 { return descriptor }
            let code = errno
            if code == EINTR { continue }
            if code == EEXIST { return nil }
            throw .cannotWrite(path: target, reason: describe(code))
        }
    }

    /// Moves the finished temporary file to `path`. Without `replacing`, `link` fails with `EEXIST` rather than
    /// replace a file that appeared meanwhile; on a file system without hard links the check and the rename are
    /// two steps.
    private static func place(_ temporary: String, at path: String, replacing: Bool) throws(SecretFileError) {
        if !replacing {
            if link(temporary, path) == 0 {
                _ = unlink(temporary)
                return
            }
            let code = errno
            if code == EEXIST { throw .exists(path: path) }
            guard [EPERM, EOPNOTSUPP, ENOTSUP, EMLINK, ENOSYS].contains(code) else {
                throw .cannotWrite(path: path, reason: describe(code))
            }
            if exists(path) { throw .exists(path: path) }
        }
        guard rename(temporary, path) == 0 else { throw .cannotWrite(path: path, reason: describe(errno)) }
    }

    /// Makes the new name durable. A file system that cannot sync a folder (`EINVAL`) has nothing to sync.
    private static func syncFolder(_ folder: String, of path: String) throws(SecretFileError) {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .cannotWrite(
                path: path, reason: "written, but its folder cannot be opened to sync: \(describe(errno))")
        }
        defer { _ = close(descriptor) }
        guard fsyncRetrying(descriptor) == 0 || errno == EINVAL else {
            throw .cannotWrite(path: path, reason: "written, but its folder cannot be synced: \(describe(errno))")
        }
    }

    // MARK: - Paths and errors

    /// The folder and the last component of `path` (the folder is "." for a bare name).
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let name = String(path[path.index(after: slash)...])
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, name)
    }

    private static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// The text of `errno` value `code`.
    package static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}

/// Writes all of `bytes` to an open file, retrying partial writes and `EINTR`; returns why it could not, or nil.
/// (At file scope, where `write` is the system call and not ``SecretFile``'s.)
private func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> String? {
    var offset = 0
    while offset < bytes.count {
        let count = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if count < 0, errno == EINTR { continue }
        guard count > 0 else { return count < 0 ? SecretFile.describe(errno) : "the file system accepted no bytes" }
        offset += count
    }
    return nil
}

/// `fsync`, retried on `EINTR`.
private func fsyncRetrying(_ descriptor: Int32) -> Int32 {
    while true {
        let result = fsync(descriptor)
        if result == 0 || errno != EINTR { return result }
    }
}
