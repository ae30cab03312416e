import ConcordServer
import Foundation
import Testing

@Suite("Federation configuration aliases")
struct FederationConfigAliasTests {
    /// Nine levels of ten aliases: 10⁹ participant names in about 1.3 KB.
    static let bomb: String = {
        var lines = [
            "run: r", "rounds: 3", "x0: &x0 [" + Array(repeating: "lol", count: 10).joined(separator: ", ") + "]",
        ]
        for level in 1..<9 {
            lines.append(
                "x\(level): &x\(level) [" + Array(repeating: "*x\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        lines.append("participants: *x8")
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test("a billion-laughs alias bomb is refused at once, naming the cause")
    func billionLaughs() throws {
        #expect(Self.bomb.utf8.count < 1_500)
        let path = try FederationConfigTests.write(Self.bomb)
        let clock = ContinuousClock()
        let start = clock.now
        #expect {
            _ = try FederationConfig.load(path: path)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.path == path && error.problem.contains("expands to more than 100000 nodes (aliases?)")
        }
        #expect(clock.now - start < .seconds(2))
    }

    @Test("a modest alias still works")
    func modestAlias() throws {
        let path = try FederationConfigTests.write("run: r\nrounds: 3\nparticipants: &p [a, b]\n")
        #expect(try FederationConfig.load(path: path).config.participants == ["a", "b"])
    }
}
