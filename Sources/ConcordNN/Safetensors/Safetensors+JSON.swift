extension Safetensors {
    /// A parsed JSON value. Objects keep every key in file order, so duplicates stay detectable
    /// (Foundation's JSONSerialization silently keeps one of them).
    enum JSON {
        case object([JSONMember])
        case array([JSON])
        case string(String)
        /// A number written as plain digits (no sign, fraction or exponent) that fits in `Int`.
        case integer(Int)
        /// Any other number, as its literal text (already checked against the JSON grammar).
        case number(String)
        case bool(Bool)
        case null
    }

    /// One `"key": value` pair of a JSON object.
    struct JSONMember {
        var key: String
        var value: JSON
    }

    /// A strict RFC 8259 parser over bytes already validated as UTF-8, with a nesting limit
    /// so hostile input cannot exhaust the stack.
    struct JSONParser {
        static let maxDepth = 64

        private let bytes: ArraySlice<UInt8>
        private var index: Int
        private var depth = 0

        /// Parses one JSON value surrounded by optional whitespace.
        static func parse(_ bytes: ArraySlice<UInt8>) throws(SafetensorsError) -> JSON {
            var parser = JSONParser(bytes: bytes, index: bytes.startIndex)
            parser.skipWhitespace()
            let value = try parser.parseValue()
            parser.skipWhitespace()
            guard parser.index == bytes.endIndex else { throw parser.failure("unexpected data after the JSON value") }
            return value
        }

        private init(bytes: ArraySlice<UInt8>, index: Int) {
            self.bytes = bytes
            self.index = index
        }

        private func failure(_ message: String) -> SafetensorsError {
            .headerNotJSON(reason: "\(message) at header byte \(index - bytes.startIndex)")
        }

        private var current: UInt8? { index < bytes.endIndex ? bytes[index] : nil }

        private mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        private mutating func expect(_ byte: UInt8, _ what: String) throws(SafetensorsError) {
            guard current == byte else {
                throw failure(current == nil ? "unexpected end, expected \(what)" : "expected \(what)")
            }
            index += 1
        }

        private mutating func parseValue() throws(SafetensorsError) -> JSON {
            guard let byte = current else { throw failure("unexpected end, expected a value") }
            switch byte {
            case UInt8(ascii: "{"): return try parseObject()
            case UInt8(ascii: "["): return try parseArray()
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try parseLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw failure("unexpected character, expected a value")
            }
        }

        /// Steps over the opening bracket; the matching close calls `leave()`.
        private mutating func enter() throws(SafetensorsError) {
            guard depth < Self.maxDepth else { throw failure("nesting deeper than \(Self.maxDepth) levels") }
            depth += 1
            index += 1
        }

        private mutating func leave<T>(_ value: T) -> T {
            depth -= 1
            index += 1
            return value
        }

        private mutating func parseObject() throws(SafetensorsError) -> JSON {
            try enter()
            var members: [JSONMember] = []
            skipWhitespace()
            if current == UInt8(ascii: "}") { return leave(.object(members)) }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw failure("expected a string key") }
                let key = try parseString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':'")
                skipWhitespace()
                members.append(JSONMember(key: key, value: try parseValue()))
                skipWhitespace()
                if current == UInt8(ascii: "}") { return leave(.object(members)) }
                try expect(UInt8(ascii: ","), "',' or '}'")
            }
        }

        private mutating func parseArray() throws(SafetensorsError) -> JSON {
            try enter()
            var elements: [JSON] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") { return leave(.array(elements)) }
            while true {
                skipWhitespace()
                elements.append(try parseValue())
                skipWhitespace()
                if current == UInt8(ascii: "]") { return leave(.array(elements)) }
                try expect(UInt8(ascii: ","), "',' or ']'")
            }
        }

        private mutating func parseLiteral(_ literal: String) throws(SafetensorsError) {
            guard bytes[index...].starts(with: literal.utf8) else { throw failure("invalid literal") }
            index += literal.utf8.count
        }

        /// Skips a run of decimal digits and returns its length.
        private mutating func digits() -> Int {
            let first = index
            while let byte = current, (0x30...0x39).contains(byte) { index += 1 }
            return index - first
        }

        /// Parses a number; plain digit runs become `.integer` without allocating (a header
        /// may legitimately hold millions of them).
        private mutating func parseNumber() throws(SafetensorsError) -> JSON {
            let start = index
            if current == UInt8(ascii: "-") { index += 1 }
            if current == UInt8(ascii: "0") {
                index += 1
            } else if digits() == 0 {
                throw failure("invalid number")
            }
            let isPlainDigits =
                bytes[start] != UInt8(ascii: "-")
                && current != UInt8(ascii: ".") && current != UInt8(ascii: "e") && current != UInt8(ascii: "E")
            if isPlainDigits, let value = Self.integerValue(of: bytes[start..<index]) { return .integer(value) }
            if current == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw failure("invalid number") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw failure("invalid number") }
            }
            return .number(String(decoding: bytes[start..<index], as: UTF8.self))
        }

        /// The value of a run of ASCII digits, or nil if it overflows `Int`.
        private static func integerValue(of digits: ArraySlice<UInt8>) -> Int? {
            var value = 0
            for digit in digits {
                let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, carry) = shifted.addingReportingOverflow(Int(digit &- 0x30))
                guard !overflow, !carry else { return nil }
                value = sum
            }
            return value
        }

        private mutating func parseString() throws(SafetensorsError) -> String {
            index += 1
            var utf8: [UInt8] = []
            while true {
                guard let byte = current else { throw failure("unterminated string") }
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    try parseEscape(into: &utf8)
                case 0..<0x20:
                    throw failure("unescaped control character in string")
                default:
                    utf8.append(byte)
                }
            }
        }

        private mutating func parseEscape(into utf8: inout [UInt8]) throws(SafetensorsError) {
            guard let byte = current else { throw failure("unterminated escape") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte); return
            case UInt8(ascii: "b"): utf8.append(0x08); return
            case UInt8(ascii: "f"): utf8.append(0x0C); return
            case UInt8(ascii: "n"): utf8.append(0x0A); return
            case UInt8(ascii: "r"): utf8.append(0x0D); return
            case UInt8(ascii: "t"): utf8.append(0x09); return
            case UInt8(ascii: "u"): break
            default: throw failure("invalid escape")
            }
            var scalar = try parseHex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard current == UInt8(ascii: "\\") else { throw failure("lone surrogate in \\u escape") }
                index += 1
                guard current == UInt8(ascii: "u") else { throw failure("lone surrogate in \\u escape") }
                index += 1
                let low = try parseHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("lone surrogate in \\u escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("lone surrogate in \\u escape") }
            utf8.append(contentsOf: String(Character(unicode)).utf8)
        }

        private mutating func parseHex4() throws(SafetensorsError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = current, let digit = Self.hexValue(byte) else { throw failure("invalid \\u escape") }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        private static func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case 0x30...0x39: UInt32(byte - 0x30)
            case 0x41...0x46: UInt32(byte - 0x41 + 10)
            case 0x61...0x66: UInt32(byte - 0x61 + 10)
            default: nil
            }
        }
    }

    /// `string` as a JSON string literal: quotes, backslashes and control characters escaped.
    static func jsonQuoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Whether `bytes` is well-formed UTF-8 (no overlongs, surrogates or truncated sequences).
    static func isValidUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        var codec = UTF8()
        while true {
            switch codec.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
