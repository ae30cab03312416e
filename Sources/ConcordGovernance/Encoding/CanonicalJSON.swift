/// Why bytes are not (canonical) JSON.
public struct CanonicalJSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The byte offset where reading stopped.
    public var offset: Int
    /// What is wrong there.
    public var reason: String

    /// Creates an error.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// A message a person can act on.
    public var description: String { "at byte \(offset): \(reason)" }
}

/// Reads JSON into a ``CanonicalValue``: strict RFC 8259 JSON without floating-point numbers.
public enum CanonicalJSON {
    /// The deepest nesting accepted (hostile input cannot exhaust the stack).
    public static let maximumDepth = 64

    /// Parses one JSON value filling all of `bytes`.
    ///
    /// - Throws: ``CanonicalJSONError`` for invalid JSON, a number with a fraction or exponent, an integer outside
    ///   the 64-bit range, a duplicate object key, invalid UTF-8, or nesting deeper than ``maximumDepth``.
    public static func parse(_ bytes: some Collection<UInt8>) throws(CanonicalJSONError) -> CanonicalValue {
        try run(bytes, strict: false).value
    }

    /// Parses bytes that must be exactly the canonical encoding of their value (as signed records are stored).
    ///
    /// - Throws: ``CanonicalJSONError`` for invalid JSON or for JSON that is valid but not canonical (whitespace,
    ///   unsorted keys, unneeded escapes…).
    public static func parseCanonical(_ bytes: some Collection<UInt8>) throws(CanonicalJSONError) -> CanonicalValue {
        try run(bytes, strict: true).value
    }

    /// Parses canonical bytes and returns, for a top-level object, where each member (key to end of value) lies.
    static func parseCanonicalMembers(
        _ bytes: [UInt8]
    ) throws(CanonicalJSONError) -> (
        value: CanonicalValue, members: [String: Range<Int>]
    ) {
        try run(bytes, strict: true)
    }

    private static func run(
        _ bytes: some Collection<UInt8>, strict: Bool
    ) throws(CanonicalJSONError) -> (
        value: CanonicalValue, members: [String: Range<Int>]
    ) {
        let array = Array(bytes)
        do {
            return try array.withUnsafeBufferPointer { buffer in
                var parser = Parser(bytes: buffer, strict: strict)
                let value = try parser.value(depth: 0)
                guard parser.position == buffer.count else {
                    throw CanonicalJSONError(offset: parser.position, reason: "unexpected bytes after the value")
                }
                return (value, parser.topLevelMembers)
            }
        } catch let error as CanonicalJSONError {
            throw error
        } catch {
            throw CanonicalJSONError(offset: 0, reason: "\(error)")
        }
    }
}

/// A recursive-descent JSON reader. Strict mode accepts only canonical bytes (no whitespace, keys in order of their
/// UTF-8 bytes, only the escapes the encoder writes, no `-0`), which is equivalent to re-encoding and comparing.
private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    let strict: Bool
    var position = 0
    /// In strict mode, where each member of a top-level object lies.
    var topLevelMembers: [String: Range<Int>] = [:]

    init(bytes: UnsafeBufferPointer<UInt8>, strict: Bool) {
        self.bytes = bytes
        self.strict = strict
    }

    func fail(_ reason: String) -> CanonicalJSONError { CanonicalJSONError(offset: position, reason: reason) }

    func notCanonical(_ what: String) -> CanonicalJSONError {
        fail("valid JSON but not canonical: \(what) (see Docs/governance-encoding.md)")
    }

    mutating func skipWhitespace() throws(CanonicalJSONError) {
        while position < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[position]) {
            if strict { throw notCanonical("whitespace") }
            position += 1
        }
    }

    mutating func value(depth: Int) throws(CanonicalJSONError) -> CanonicalValue {
        guard depth <= CanonicalJSON.maximumDepth else {
            throw fail("nested deeper than \(CanonicalJSON.maximumDepth)")
        }
        try skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end of input") }
        let result: CanonicalValue
        switch bytes[position] {
        case 0x7b: result = try object(depth: depth)
        case 0x5b: result = try array(depth: depth)
        case 0x22: result = .string(try string())
        case 0x74: result = try literal("true", .bool(true))
        case 0x66: result = try literal("false", .bool(false))
        case 0x6e: result = try literal("null", .null)
        case 0x2d, 0x30...0x39: result = .integer(try integer())
        default: throw fail("unexpected character")
        }
        try skipWhitespace()
        return result
    }

    mutating func literal(_ word: StaticString, _ value: CanonicalValue) throws(CanonicalJSONError) -> CanonicalValue {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw fail("unexpected end of input") }
        for i in 0..<count where bytes[position + i] != word.utf8Start[i] { throw fail("unknown literal") }
        position += count
        return value
    }

    mutating func integer() throws(CanonicalJSONError) -> Int {
        let start = position
        var negative = false
        if bytes[position] == 0x2d {
            negative = true
            position += 1
        }
        guard position < bytes.count, (0x30...0x39).contains(bytes[position]) else { throw fail("expected a digit") }
        if bytes[position] == 0x30, position + 1 < bytes.count, (0x30...0x39).contains(bytes[position + 1]) {
            throw fail("a number has a leading zero")
        }
        var magnitude: UInt64 = 0
        while position < bytes.count, (0x30...0x39).contains(bytes[position]) {
            let (times, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(bytes[position] - 0x30))
            guard !overflow1, !overflow2 else {
                throw CanonicalJSONError(offset: start, reason: "integer out of range")
            }
            magnitude = sum
            position += 1
        }
        if position < bytes.count, [0x2e, 0x65, 0x45].contains(bytes[position]) {
            throw CanonicalJSONError(
                offset: start, reason: "a floating-point number; signed structures write reals as strings")
        }
        if negative {
            if strict, magnitude == 0 {
                throw CanonicalJSONError(offset: start, reason: "valid JSON but not canonical: -0")
            }
            guard magnitude <= UInt64(Int.max) + 1 else {
                throw CanonicalJSONError(offset: start, reason: "integer out of range")
            }
            return magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude)
        }
        guard magnitude <= UInt64(Int.max) else {
            throw CanonicalJSONError(offset: start, reason: "integer out of range")
        }
        return Int(magnitude)
    }

    mutating func string() throws(CanonicalJSONError) -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x22 {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
                position += 1
                return try validated(slice, at: start)
            }
            if byte == 0x5c { break }
            guard byte >= 0x20 else { throw fail("a raw control character in a string (write it escaped)") }
            position += 1
        }
        var out = Array(bytes[start..<position])
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x22 {
                position += 1
                return try out.withUnsafeBufferPointer { buffer throws(CanonicalJSONError) in
                    try validated(buffer, at: start)
                }
            }
            guard byte >= 0x20 else { throw fail("a raw control character in a string (write it escaped)") }
            if byte != 0x5c {
                out.append(byte)
                position += 1
                continue
            }
            position += 1
            guard position < bytes.count else { break }
            switch bytes[position] {
            case 0x22: out.append(0x22)
            case 0x5c: out.append(0x5c)
            case 0x2f:
                if strict { throw notCanonical("the unneeded escape \\/") }
                out.append(0x2f)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0c)
            case 0x6e: out.append(0x0a)
            case 0x72: out.append(0x0d)
            case 0x74: out.append(0x09)
            case 0x75:
                var scalar = try hex4()
                if strict {
                    let digits: [UInt8] = Array("0123456789abcdef".utf8)
                    let expected: [UInt8] = [0x30, 0x30, digits[Int(scalar >> 4 & 0xf)], digits[Int(scalar & 0xf)]]
                    guard scalar < 0x20, ![0x08, 0x09, 0x0a, 0x0c, 0x0d].contains(scalar),
                        bytes[(position - 3)...position].elementsEqual(expected)
                    else { throw notCanonical("an escape the encoder would not write") }
                }
                if (0xD800...0xDBFF).contains(scalar) {
                    guard position + 2 < bytes.count, bytes[position + 1] == 0x5c, bytes[position + 2] == 0x75 else {
                        throw fail("an unpaired UTF-16 surrogate")
                    }
                    position += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("an unpaired UTF-16 surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail("an unpaired UTF-16 surrogate")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw fail("an invalid Unicode escape") }
                out.append(contentsOf: String(Character(unicode)).utf8)
            default: throw fail("an unknown escape")
            }
            position += 1
        }
        throw fail("an unterminated string")
    }

    /// Reads the 4 hex digits after `\u`, leaving `position` on the last one.
    mutating func hex4() throws(CanonicalJSONError) -> UInt32 {
        guard position + 4 < bytes.count else { throw fail("a truncated \\u escape") }
        var value: UInt32 = 0
        for i in 1...4 {
            let byte = bytes[position + i]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x61...0x66: digit = byte - 0x61 + 10
            case 0x41...0x46: digit = byte - 0x41 + 10
            default: throw fail("a \\u escape needs 4 hex digits")
            }
            value = value << 4 | UInt32(digit)
        }
        position += 4
        return value
    }

    func validated(_ slice: UnsafeBufferPointer<UInt8>, at start: Int) throws(CanonicalJSONError) -> String {
        let text = String(decoding: slice, as: UTF8.self)
        guard text.utf8.elementsEqual(slice) else {
            throw CanonicalJSONError(offset: start, reason: "a string that is not valid UTF-8")
        }
        return text
    }

    mutating func array(depth: Int) throws(CanonicalJSONError) -> CanonicalValue {
        position += 1
        var elements: [CanonicalValue] = []
        try skipWhitespace()
        if position < bytes.count, bytes[position] == 0x5d {
            position += 1
            return .array(elements)
        }
        while true {
            elements.append(try value(depth: depth + 1))
            guard position < bytes.count else { throw fail("an unterminated array") }
            if bytes[position] == 0x2c {
                position += 1
            } else if bytes[position] == 0x5d {
                position += 1
                return .array(elements)
            } else {
                throw fail("expected ',' or ']'")
            }
        }
    }

    mutating func object(depth: Int) throws(CanonicalJSONError) -> CanonicalValue {
        position += 1
        var members: [String: CanonicalValue] = [:]
        var previousKey: String?
        try skipWhitespace()
        if position < bytes.count, bytes[position] == 0x7d {
            position += 1
            return .object(members)
        }
        while true {
            try skipWhitespace()
            guard position < bytes.count, bytes[position] == 0x22 else { throw fail("expected a key in quotes") }
            let keyOffset = position
            let key = try string()
            try skipWhitespace()
            guard position < bytes.count, bytes[position] == 0x3a else { throw fail("expected ':'") }
            position += 1
            let member = try value(depth: depth + 1)
            guard members.updateValue(member, forKey: key) == nil else {
                throw CanonicalJSONError(offset: keyOffset, reason: "the key '\(key)' appears twice")
            }
            if strict {
                if let previousKey, !previousKey.utf8.lexicographicallyPrecedes(key.utf8) {
                    throw CanonicalJSONError(
                        offset: keyOffset, reason: "valid JSON but not canonical: keys out of order ('\(key)')")
                }
                previousKey = key
                if depth == 0 { topLevelMembers[key] = keyOffset..<position }
            }
            guard position < bytes.count else { throw fail("an unterminated object") }
            if bytes[position] == 0x2c {
                position += 1
            } else if bytes[position] == 0x7d {
                position += 1
                return .object(members)
            } else {
                throw fail("expected ',' or '}'")
            }
        }
    }
}
