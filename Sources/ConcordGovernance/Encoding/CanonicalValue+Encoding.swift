extension CanonicalValue {
    /// The canonical JSON bytes: UTF-8, object keys in order of their UTF-8 bytes, no whitespace, minimal string
    /// escapes, integers in decimal (see `Docs/governance-encoding.md`).
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        append(to: &out)
        return out
    }

    /// The canonical JSON as a string (the same bytes as ``canonicalBytes``).
    public var canonicalText: String { String(decoding: canonicalBytes, as: UTF8.self) }

    /// The lowercase hex SHA-256 of ``canonicalBytes``.
    public var sha256: String { SHA256Hex.of(canonicalBytes) }

    /// Appends the canonical bytes of this value to `out`.
    public func append(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: [0x6e, 0x75, 0x6c, 0x6c])
        case .bool(true): out.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        case .bool(false): out.append(contentsOf: [0x66, 0x61, 0x6c, 0x73, 0x65])
        case .integer(let value): out.append(contentsOf: String(value).utf8)
        case .string(let text): Self.appendString(text, to: &out)
        case .array(let elements):
            out.append(0x5b)
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(0x2c) }
                element.append(to: &out)
            }
            out.append(0x5d)
        case .object(let members):
            out.append(0x7b)
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, key) in keys.enumerated() {
                if i > 0 { out.append(0x2c) }
                Self.appendString(key, to: &out)
                out.append(0x3a)
                members[key]?.append(to: &out)
            }
            out.append(0x7d)
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(0x22)
        let utf8 = text.utf8
        // Most strings need no escape: copy them whole.
        if !utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5c }) {
            out.append(contentsOf: utf8)
            out.append(0x22)
            return
        }
        for byte in utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5c, 0x22])  // \"
            case 0x5c: out.append(contentsOf: [0x5c, 0x5c])  // \\
            case 0x08: out.append(contentsOf: [0x5c, 0x62])  // \b
            case 0x0c: out.append(contentsOf: [0x5c, 0x66])  // \f
            case 0x0a: out.append(contentsOf: [0x5c, 0x6e])  // \n
            case 0x0d: out.append(contentsOf: [0x5c, 0x72])  // \r
            case 0x09: out.append(contentsOf: [0x5c, 0x74])  // \t
            case 0x00..<0x20:
                out.append(contentsOf: [0x5c, 0x75, 0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0f)]])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }
}
