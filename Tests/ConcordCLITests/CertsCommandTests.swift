import Foundation
import Testing

@Suite("concord certs, partition and status")
struct CertsCommandTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("concord-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("init writes a federation's PKI; verify accepts its nodes and refuses another CA's, with the reason")
    func certificates() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let one = folder.appendingPathComponent("one").path, two = folder.appendingPathComponent("two").path
        for dir in [one, two] {
            let result = try await Concord.run(["certs", "init", "--out", dir, "--nodes", "alpha,beta"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let key = try FileManager.default.attributesOfItem(atPath: one + "/nodes/alpha-key.pem")
        #expect((key[.posixPermissions] as? Int) == 0o600)
        let good = try await Concord.run([
            "certs", "verify", "--ca", one + "/ca.pem", "--cert", one + "/nodes/alpha.pem",
        ])
        #expect(good.status == 0 && good.stdout.contains("alpha"), "\(good.stdout)\(good.stderr)")
        let foreign = try await Concord.run([
            "certs", "verify", "--ca", one + "/ca.pem", "--cert", two + "/nodes/alpha.pem",
        ])
        #expect(foreign.status != 0 && (foreign.stdout + foreign.stderr).contains("refused"))
        let again = try await Concord.run(["certs", "init", "--out", one, "--nodes", "alpha"])
        #expect(again.status != 0, "init must not overwrite an existing PKI")
        let issued = try await Concord.run(["certs", "issue", "--dir", one, "--node", "gamma"])
        #expect(issued.status == 0 && FileManager.default.fileExists(atPath: one + "/nodes/gamma.pem"))
    }

    @Test("partition writes each participant's IDX files; status refuses a store that does not exist")
    func partitionAndStatus() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try TinyMNIST.write(trainCount: 40, testCount: 10)
        defer { try? FileManager.default.removeItem(at: data) }
        let out = folder.appendingPathComponent("parts").path
        let result = try await Concord.run(["partition", "--data", data.path, "--names", "a,b", "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains("/a: 20 examples") && result.stdout.contains("/b: 20 examples"), "\(result.stdout)")
        for name in ["a", "b"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(name)/train-images-idx3-ubyte"))
        }
        let status = try await Concord.run(["status", "--store", folder.appendingPathComponent("none.sqlite").path])
        #expect(status.status != 0 && status.stderr.contains("no store at"))
    }
}
