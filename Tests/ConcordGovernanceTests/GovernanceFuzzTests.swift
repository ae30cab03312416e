import ConcordTesting
import Foundation
import Testing

@testable import ConcordGovernance

/// Seeded mutations of a real signed charter and a real sealed audit log: each reads to a value or throws; none
/// traps or hangs, and no mutation of the log verifies.
@Suite("Governance fuzz")
struct GovernanceFuzzTests {
    static let iterations = FuzzSettings.iterations(inSuite: 1_500)
    /// Fewer for the log: each input is also verified, signatures and all.
    static let logIterations = FuzzSettings.iterations(inSuite: 300)

    /// YAML's structure: anchors and aliases, flow and block collections, tags, scalars a reader must not trust.
    static let yamlDictionary: [[UInt8]] = [
        "&a ", "*a", "&b [*a, *a]", "<<: *a", "[", "]", "{", "}", ": ", "- ", "\n  ", "\n- ", "? ", "!!str ",
        "!!binary ", "!!int ", "'", "\"", "|\n  ", ">-\n  ", "---\n", "\n...\n", "%YAML 1.1\n", "# ", "\t", "~",
        "null", ".inf", "-.nan", "1e400", "-1", "9223372036854775808", "0x1F", "0o17", "\u{FEFF}", "\\u0000",
        String(repeating: "[", count: 100), String(repeating: "- ", count: 100),
    ].map { Array($0.utf8) }

    static let jsonDictionary: [[UInt8]] = [
        "{", "}", "[", "]", ",", ":", "\"", "\\u0000", "\\ud800", "\n", "-0", "1e309", "0.5", "null", "true",
        "\"receipts\":[]", "\"index\":", "\"kind\":\"sealed\"", "9223372036854775807", "18446744073709551616",
        String(repeating: "[", count: 80),
    ].map { Array($0.utf8) }

    @Test("mutated charters read to a charter that renders and reads back the same, or throw")
    func charter() throws {
        let example = try Fixture.get()
        let signed = Array(example.charter.yamlText.utf8)
        var unsigned = example.charter
        unsigned.signatures = [:]
        let seeds = [signed, Array(unsigned.yamlText.utf8)]
        let report = fuzz(
            "charter-yaml", seeds: seeds, iterations: Self.iterations, dictionary: Self.yamlDictionary
        ) { input in
            let charter = try Charter(yaml: String(decoding: input, as: UTF8.self))
            _ = charter.verifySignatures()
            let again = try Charter(yaml: charter.yamlText)
            guard again == charter else {
                throw FuzzInvariantViolation("the charter read does not survive rendering:\n\(charter.yamlText)")
            }
        }
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.accepted > 0 && report.refused > 0)
    }

    @Test("mutated audit logs read or throw, and none verifies but the original")
    func auditLog() throws {
        let example = try Fixture.get()
        let original = [UInt8](example.log.jsonLines)
        let keys = example.charter.trustedKeys
        let report = fuzz(
            "audit-jsonl", seeds: [original], iterations: Self.logIterations, dictionary: Self.jsonDictionary,
            maxLength: 1 << 18
        ) { input in
            let verification = AuditVerifier.verify(jsonLines: Data(input), keys: keys)
            if verification.failure == nil, input != original {
                throw FuzzInvariantViolation("a changed log verifies: \(verification)")
            }
            let log = try AuditLog(jsonLines: Data(input))
            let stored = [UInt8](log.jsonLines)
            guard stored == input || stored == input + [0x0a] else {
                throw FuzzInvariantViolation("the log read does not store as the bytes it was read from")
            }
        }
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.accepted > 0 && report.refused > 0)
    }
}
