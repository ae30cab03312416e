import ArgumentParser
import ConcordGovernance
import Foundation

/// File handling the governance commands share: reading inputs with clear errors, writing outputs atomically.
enum GovernanceFiles {
    /// The bytes of a file, or an error naming it.
    static func read(_ path: String, what: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GovernanceFailure("cannot read the \(what) '\(path)' (does it exist?)")
        }
        return data
    }

    /// Writes `data` atomically, refusing to overwrite unless `force`: for public outputs (charters, signatures,
    /// releases, audit logs), created with the umask's mode. Secrets never come here: private keys go through
    /// ``KeyFile`` or ConcordSystem's `SecretFile`, which create them mode 0600 from the first byte.
    static func write(_ data: Data, to path: String, force: Bool = true) throws {
        if !force, FileManager.default.fileExists(atPath: path) {
            throw GovernanceFailure("'\(path)' exists; pass --force to overwrite it")
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw GovernanceFailure("cannot write '\(path)': \(error.localizedDescription)")
        }
    }

    /// Reads a charter and attaches detached signatures to it.
    static func charter(_ path: String, signatures: [String]) throws -> Charter {
        var charter = try Charter.read(at: path)
        for signaturePath in signatures {
            let detached = try DetachedSignature.read(at: signaturePath)
            do {
                try charter.attach(detached)
            } catch {
                throw GovernanceFailure("\(signaturePath): \(error)")
            }
        }
        return charter
    }

    /// Prints a line to standard error.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Compact JSON with sorted keys.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
