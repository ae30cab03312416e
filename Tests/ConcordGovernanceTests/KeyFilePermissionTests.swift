import Foundation
import Testing

@testable import ConcordGovernance

/// Private key files: created owner-only, refused when others may read them (as ssh refuses them).
@Suite struct KeyFilePermissionTests {
    static func prefix() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("concord-key-\(UUID())").path
    }

    static func mode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    @Test func aGroupReadableKeyIsRefusedNamingTheFileAndTheFix() throws {
        let identity = SigningIdentity.generate()
        let paths = try KeyFile.write(identity, prefix: Self.prefix())
        defer {
            try? FileManager.default.removeItem(atPath: paths.privateKey)
            try? FileManager.default.removeItem(atPath: paths.publicKey)
        }
        #expect(try Self.mode(paths.privateKey) == 0o600)
        #expect(try Self.mode(paths.publicKey) == 0o644)
        #expect(chmod(paths.privateKey, 0o640) == 0)
        let error = try #require(throws: KeyError.self) { try KeyFile.readIdentity(at: paths.privateKey) }
        #expect(error == .insecurePermissions(path: paths.privateKey, mode: 0o640))
        #expect(error.description.contains("'\(paths.privateKey)' is readable by group or others (mode 0640)"))
        #expect(error.description.contains("run: chmod 600 \(paths.privateKey)"))
        let allowed = try KeyFile.readIdentity(at: paths.privateKey, allowInsecurePermissions: true)
        #expect(allowed.publicKey == identity.publicKey)
        // The public half stays readable whatever its mode: it is public.
        #expect(try KeyFile.readPublicKey(at: paths.publicKey) == identity.publicKey)
    }

    @Test func replacingKeysWritesThemOwnerOnlyAgain() throws {
        let prefix = Self.prefix()
        let first = try KeyFile.write(.generate(), prefix: prefix)
        defer {
            try? FileManager.default.removeItem(atPath: first.privateKey)
            try? FileManager.default.removeItem(atPath: first.publicKey)
        }
        #expect(chmod(first.privateKey, 0o644) == 0)
        #expect(throws: KeyError.self) { try KeyFile.write(.generate(), prefix: prefix) }
        let second = SigningIdentity.generate()
        try KeyFile.write(second, prefix: prefix, replacing: true)
        #expect(try Self.mode(first.privateKey) == 0o600)
        #expect(try KeyFile.readIdentity(at: first.privateKey).publicKey == second.publicKey)
    }
}
