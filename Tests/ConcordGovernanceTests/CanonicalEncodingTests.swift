import Foundation
import Testing

@testable import ConcordGovernance

@Suite struct CanonicalEncodingTests {
    @Test(
        "canonical bytes of fixed vectors",
        arguments: [
            (CanonicalValue.null, "null"),
            (.bool(true), "true"),
            (.bool(false), "false"),
            (.integer(0), "0"),
            (.integer(-1), "-1"),
            (.integer(Int.max), "9223372036854775807"),
            (.integer(Int.min), "-9223372036854775808"),
            (.string(""), "\"\""),
            (.string("a\"b\\c/d"), "\"a\\\"b\\\\c/d\""),
            (.string("\u{08}\u{0C}\n\r\t\u{00}\u{1F}\u{7F}"), "\"\\b\\f\\n\\r\\t\\u0000\\u001f\u{7F}\""),
            (.string("é€😀"), "\"é€😀\""),
            (.array([]), "[]"),
            (.object([:]), "{}"),
            (.array([.integer(1), .string("x"), .null, .array([.bool(true)])]), "[1,\"x\",null,[true]]"),
            (
                .object([
                    "b": .integer(1), "a": .integer(2), "B": .integer(3), "aa": .object(["z": .null, "y": .null]),
                ]),
                "{\"B\":3,\"a\":2,\"aa\":{\"y\":null,\"z\":null},\"b\":1}"
            ),
            // UTF-8 byte order, not UTF-16: U+FFFF (EF BF BF) sorts before U+10000 (F0 90 80 80).
            (
                .object(["\u{10000}": .integer(2), "\u{FFFF}": .integer(1), "é": .integer(0)]),
                "{\"é\":0,\"\u{FFFF}\":1,\"\u{10000}\":2}"
            ),
        ])
    func vectors(value: CanonicalValue, expected: String) throws {
        #expect(value.canonicalText == expected)
        #expect(try CanonicalJSON.parseCanonical(Array(expected.utf8)) == value)
    }

    @Test func sha256OfCanonicalBytes() {
        // SHA-256("{}") from any implementation (e.g. `printf '{}' | sha256sum`).
        #expect(CanonicalValue.object([:]).sha256 == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
    }

    @Test(
        "reals are written as Python's repr writes them",
        arguments: [
            (0.1, "0.1"), (1.0, "1.0"), (1e-5, "1e-05"), (1e-4, "0.0001"), (-0.0, "-0.0"), (0.0, "0.0"),
            (1e15, "1000000000000000.0"), (9007199254740992, "9007199254740992.0"),
            (9_156_513_352_358_590, "9156513352358590.0"), (-9_999_999_999_999_998, "-9999999999999998.0"),
            (1e16, "1e+16"), (1.5e300, "1.5e+300"), (Double.leastNonzeroMagnitude, "5e-324"), (.infinity, "inf"),
            (-.infinity, "-inf"),
            (.nan, "nan"), (2.0 / 3.0, "0.6666666666666666"), (123456789012345.6, "123456789012345.6"),
        ])
    func reals(value: Double, expected: String) {
        #expect(CanonicalValue.realText(value) == expected)
        if !value.isNaN { #expect(CanonicalValue.realValue(expected) == value) }
    }

    /// Checks the real rule against Python's `repr` on many doubles, when python3 is present.
    @Test func realsMatchPythonRepr() throws {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = (0..<3000).map { _ in
            Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))
        }
        values += (0..<2000).map { _ in Double.random(in: 1e14...1e17, using: &generator) }
        values += (0..<1000).map { _ in Double.random(in: 1e-6...1e-3, using: &generator) }
        let input = values.map { String($0.bitPattern) }.joined(separator: "\n")
        let script = """
            import struct, sys
            for line in sys.stdin.read().split():
                print(repr(struct.unpack('<d', struct.pack('<Q', int(line)))[0]))
            """
        guard let output = try Python.run(["-c", script], input: input) else { return }
        let lines = output.split(separator: "\n").map(String.init)
        try #require(lines.count == values.count)
        for (value, python) in zip(values, lines) where CanonicalValue.realText(value) != python {
            Issue.record("\(value.bitPattern): Concord writes \(CanonicalValue.realText(value)), Python \(python)")
        }
    }

    @Test(
        "the parser refuses what canonical JSON does not allow",
        arguments: [
            "1.5", "1e3", "-0.0", "01", "-", "[1,]", "{\"a\":1,\"a\":2}", "\"\\ud800\"", "\"\\udc00x\"", "\"a\nb\"",
            "[1] x", "", "nul", "{\"a\" 1}", "\"\\x\"", "99999999999999999999", "-9223372036854775809",
            String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
        ])
    func refusals(text: String) {
        #expect(throws: CanonicalJSONError.self) { try CanonicalJSON.parse(Array(text.utf8)) }
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: CanonicalJSONError.self) { try CanonicalJSON.parse([0x22, 0xff, 0x22]) }
        #expect(throws: CanonicalJSONError.self) { try CanonicalJSON.parse([0x22, 0xc3, 0x22]) }
    }

    @Test(
        "valid but non-canonical JSON is refused where canonical bytes are required",
        arguments: ["{ }", "{\"b\":1,\"a\":2}", "\"\\u0041\"", "\"\\/\"", "[1 ,2]", "\"\\u00e9\"", "-0"])
    func nonCanonical(text: String) throws {
        _ = try CanonicalJSON.parse(Array(text.utf8))
        #expect(throws: CanonicalJSONError.self) { try CanonicalJSON.parseCanonical(Array(text.utf8)) }
    }

    @Test func escapesAndSurrogatePairsParse() throws {
        let value = try CanonicalJSON.parse(Array("\"\\u00e9\\ud83d\\ude00\\n\\/\"".utf8))
        #expect(value == .string("é😀\n/"))
    }

    @Test func layoutHashIsCanonical() {
        let layout = ParameterLayoutFixture.small
        #expect(
            layout.canonicalValue.canonicalText
                == "{\"entries\":[{\"name\":\"fc.weight\",\"shape\":[4,3]},{\"name\":\"fc.bias\",\"shape\":[3]}],"
                + "\"schema\":\"concord.layout/v1\"}")
        #expect(layout.sha256 == SHA256Hex.of(layout.canonicalValue.canonicalBytes))
    }
}

/// The strict parser accepts exactly the bytes that re-encode to themselves.
@Suite struct StrictParserTests {
    struct LCG {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static func randomValue(_ g: inout LCG, depth: Int = 0) -> CanonicalValue {
        let strings = ["", "a", "é", "\u{10000}", "\u{FFFF}", "x\"y", "\\", "\n\t\u{1}", "/", "\u{7F}", "key", "Z"]
        switch depth > 2 ? g.next(4) : g.next(6) {
        case 0: return .integer([0, -1, 7, 10, Int.max, Int.min, 42][g.next(7)])
        case 1: return .string(strings[g.next(strings.count)])
        case 2: return [.null, .bool(true), .bool(false)][g.next(3)]
        case 3: return .real([0.1, 1e-5, -0.0, 3.0][g.next(4)])
        case 4: return .array((0..<g.next(4)).map { _ in randomValue(&g, depth: depth + 1) })
        default:
            var members: [String: CanonicalValue] = [:]
            for _ in 0..<g.next(5) { members[strings[g.next(strings.count)]] = randomValue(&g, depth: depth + 1) }
            return .object(members)
        }
    }

    @Test func strictParsingEqualsReencoding() {
        var g = LCG(state: 12345)
        let insertions: [[UInt8]] = [[0x20], Array("\\u0041".utf8), Array("\\/".utf8), [0x2d, 0x30], [0x2c], [0x0a]]
        for _ in 0..<1500 {
            var bytes = Self.randomValue(&g).canonicalBytes
            switch g.next(4) {
            case 0: break
            case 1: bytes[g.next(bytes.count)] ^= UInt8(1 << g.next(8))
            case 2: bytes.insert(contentsOf: insertions[g.next(insertions.count)], at: g.next(bytes.count + 1))
            default:
                // Re-spell an escape or a digit the way a non-canonical writer might.
                let text = String(decoding: bytes, as: UTF8.self)
                    .replacingOccurrences(of: "\\n", with: "\\u000a")
                    .replacingOccurrences(of: "\\u0001", with: "\\u0001".uppercased())
                    .replacingOccurrences(of: "\"a\"", with: "\"\\u0061\"")
                bytes = Array(text.utf8)
            }
            let strict = (try? CanonicalJSON.parseCanonical(bytes)) != nil
            let reencodes = (try? CanonicalJSON.parse(bytes)).map { $0.canonicalBytes == bytes } ?? false
            #expect(strict == reencodes, "\(String(decoding: bytes, as: UTF8.self))")
        }
    }
}
