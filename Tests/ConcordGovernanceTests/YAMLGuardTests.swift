import Foundation
import Testing

@testable import ConcordGovernance

/// "Billion laughs": nine levels of ten aliases each, 10⁹ scalars in about 1.3 KB of YAML.
enum AliasBomb {
    static func levels(_ count: Int = 9, width: Int = 10) -> [String] {
        var lines = ["a0: &a0 [" + Array(repeating: "lol", count: width).joined(separator: ", ") + "]"]
        for level in 1..<count {
            lines.append(
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: width).joined(separator: ", ")
                    + "]")
        }
        return lines
    }

    /// The bomb as a document of its own.
    static let text = levels().joined(separator: "\n") + "\n"

    /// The bomb used as a mapping key, which Yams hashes (walking the whole expansion) while it composes.
    static let asKey = levels().joined(separator: "\n") + "\n*a8 : boom\n"
}

@Suite("YAML guard")
struct YAMLGuardTests {
    @Test("a billion-laughs alias bomb is refused at once, as a document or as a key")
    func billionLaughs() {
        for text in [AliasBomb.text, AliasBomb.asKey] {
            #expect(text.utf8.count < 1_500)
            let clock = ContinuousClock()
            let start = clock.now
            let error = #expect(throws: YAMLGuard.Refusal.self) { try YAMLGuard.check(text) }
            #expect(clock.now - start < .seconds(1))
            #expect(error?.reason.contains("expands to more than 100000 nodes (aliases?)") == true)
        }
    }

    @Test("nesting deeper than the limit is refused, aliases included")
    func deepNesting() {
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: YAMLGuard.Refusal.self) { try YAMLGuard.check(deep) }
        // Past libyaml's own limit (1000 levels) the parser refuses it, and so the charter does.
        let deeper = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: CharterError.self) { try Charter(yaml: deeper) }
        let viaAliases = (0..<40).map { "n\($0): &n\($0) [" + ($0 == 0 ? "x" : "*n\($0 - 1)") + "]" }
            .joined(separator: "\n")
        let error = #expect(throws: YAMLGuard.Refusal.self) {
            try YAMLGuard.check(viaAliases, limits: .init(maxDepth: 20))
        }
        #expect(error?.reason.contains("deeper than 20") == true)
    }

    @Test("ordinary YAML passes, with its aliases counted and expanded")
    func ordinary() throws {
        let summary = try YAMLGuard.check("base: &b {x: 1, y: 2}\nother: *b\nlist: [*b, *b]\n")
        #expect(summary.aliases == 3)
        #expect(summary.firstAliasLine == 2)
        // root + 3 keys + the mapping (5 nodes) + 2 × alias (5) + the list (1 + 2 × 5)
        #expect(summary.expandedNodes == 1 + 3 + 5 + 5 + 11)
        #expect(try YAMLGuard.check("a: [1, 2]\n").aliases == 0)
        // Malformed text is left for the YAML reader to report.
        #expect(try YAMLGuard.check("a: [1, 2\n").aliases == 0)
        #expect(try YAMLGuard.check("a: *undefined\n").aliases == 1)
    }

    @Test("a charter refuses an alias bomb, and any alias, with the line")
    func charter() throws {
        let error = #expect(throws: CharterError.self) { try Charter(yaml: AliasBomb.asKey) }
        #expect(error?.description.contains("expands to more than") == true)
        var text = try Fixture.get().charter.yamlText
        text = text.replacingOccurrences(of: "federation: ", with: "federation: &f ")
        text += "\nrelease: *f\n"
        let alias = #expect(throws: CharterError.self) { try Charter(yaml: text) }
        #expect(alias?.reason.contains("aliases are not allowed") == true)
        #expect(alias?.line != nil)
    }
}
